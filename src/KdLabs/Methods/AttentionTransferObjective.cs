using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Methods;

/// <summary>
/// Attention transfer (Zagoruyko &amp; Komodakis 2017) as the authors train it: cross-entropy on the labels plus
/// <see cref="AttentionTransferLoss"/> between the student's and the teacher's attention maps at each named layer.
/// </summary>
public sealed class AttentionTransferObjective(AttentionTransferLoss loss, FeatureTeacher teacher, IReadOnlyList<string> layers) : ITrainingObjective
{
    /// <inheritdoc />
    public string Description => $"CE + {loss} at {string.Join(",", layers)}, {teacher.Description}";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("attention-transfer", new { loss.Beta, loss.P, loss.Form, Layers = layers, Teacher = teacher.RunIdentity });

    /// <inheritdoc />
    public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation)
    {
    }

    /// <inheritdoc />
    public StepResult Step(Module<Tensor, Tensor> model, Batch batch)
    {
        var features = model as IFeatureModel ?? throw new ArgumentException($"{model.GetType().Name} does not return feature maps.", nameof(model));
        var s = features.ForwardWithFeatures(batch.Inputs);
        var t = teacher.Run(batch.Inputs);
        var at = loss.Compute(layers.Select(l => s[l]).ToList(), layers.Select(l => t[l]).ToList());
        return new StepResult(functional.cross_entropy(s.Logits, batch.Labels) + at, s.Logits);
    }
}
