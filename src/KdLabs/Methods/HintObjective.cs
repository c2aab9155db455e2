using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Methods;

/// <summary>
/// Stage one of FitNets (Romero et al. 2015): train the student up to its guided layer, and the regressor, to
/// reproduce the teacher's hint layer with <see cref="HintLoss"/>. Labels are not used; the layers above the
/// guided one get no gradient. Stage two is ordinary KD on the whole student.
/// The model must be an <see cref="AdaptedStudent"/> with a <see cref="HintRegressor"/> adapter called <see cref="RegressorName"/>.
/// </summary>
public sealed class HintObjective(FeatureTeacher teacher, string hintLayer, string guidedLayer) : ITrainingObjective
{
    /// <summary>The adapter name of the regressor.</summary>
    public const string RegressorName = "hint";

    /// <inheritdoc />
    public string Description => $"FitNets hint stage: teacher {hintLayer} ← regressor(student {guidedLayer}), {teacher.Description}";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("fitnets-hint", new { HintLayer = hintLayer, GuidedLayer = guidedLayer, Teacher = teacher.RunIdentity });

    /// <inheritdoc />
    public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation)
    {
    }

    /// <inheritdoc />
    public StepResult Step(nn.Module<Tensor, Tensor> model, Batch batch)
    {
        var student = model as AdaptedStudent ?? throw new ArgumentException("The hint stage trains an AdaptedStudent that carries the regressor.", nameof(model));
        var s = student.ForwardWithFeatures(batch.Inputs);
        var t = teacher.Run(batch.Inputs);
        var regressor = (HintRegressor)student.Adapter(RegressorName);
        return new StepResult(HintLoss.Compute(t[hintLayer], s[guidedLayer], regressor), s.Logits);
    }
}
