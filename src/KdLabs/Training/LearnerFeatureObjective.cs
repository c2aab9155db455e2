using KdLabs.Data;
using KdLabs.Models;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>
/// Trains a student with an <see cref="IFeatureLoss"/> written by the learner: the student's forward pass with its feature
/// maps, the teacher run on the same batch (<see cref="FeatureTeacher"/>: eval mode, no gradient) and the labels. A class's
/// behaviour cannot be probed without knowing its layers, so each objective is a run of its own: a new instance trains
/// again, even when the notebook is re-run unchanged.
/// </summary>
internal sealed class LearnerFeatureObjective(string name, IFeatureLoss loss, FeatureTeacher teacher) : ITrainingObjective
{
    private readonly string instance = Guid.NewGuid().ToString("N")[..16];

    /// <summary>The learner's name for the loss, e.g. "my AT".</summary>
    public string Name { get; } = LearnerName.Required(name, "my AT");

    /// <inheritdoc />
    public string Description => $"{Name} (a loss written in a cell), {teacher.Description}";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("learner-feature-loss", new { Name, Instance = instance, Teacher = teacher.RunIdentity });

    /// <inheritdoc />
    public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation)
    {
    }

    /// <inheritdoc />
    public StepResult Step(nn.Module<Tensor, Tensor> model, Batch batch)
    {
        var features = model as IFeatureModel ?? throw new ArgumentException($"{model.GetType().Name} does not return feature maps; a feature loss needs an {nameof(IFeatureModel)} student.", nameof(model));
        var s = features.ForwardWithFeatures(batch.Inputs);
        var t = teacher.Run(batch.Inputs);
        return new StepResult(LearnerLossCheck.Checked(loss.Compute(s, t, batch.Labels), Name), s.Logits);
    }
}
