using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Methods;

/// <summary>Settings of attention transfer.</summary>
internal sealed record AttentionTransferOptions
{
    /// <summary>Weight β of the attention term (the authors' code form of <see cref="AttentionTransferLoss"/>).</summary>
    public double Beta { get; init; } = 1000;

    /// <summary>Layers whose attention maps are matched.</summary>
    public IReadOnlyList<string> Layers { get; init; } = ["conv1", "conv2"];

    /// <summary>Throws (marked as a setting: <see cref="Infrastructure.OptionsValidation"/>) when β is negative or not finite, or the layer list is empty, repeats a layer or names an empty one.</summary>
    public void Validate() => Infrastructure.OptionsValidation.Run(() =>
    {
        AttentionTransferLoss.ValidateBeta(Beta);
        Infrastructure.OptionsValidation.List(Layers, nameof(Layers));
        MethodLayers.Check(Layers, nameof(Layers));
    });
}

/// <summary>Attention transfer: CE plus β times the distance of the layers' attention maps (<see cref="AttentionTransferObjective"/>).</summary>
internal sealed class AttentionTransferMethod : IDistillationMethod
{
    /// <summary>Creates the method; <paramref name="options"/> null is the defaults.</summary>
    public AttentionTransferMethod(AttentionTransferOptions? options = null)
    {
        Settings = options ?? new AttentionTransferOptions();
        Settings.Validate();
    }

    /// <summary>Its settings.</summary>
    public AttentionTransferOptions Settings { get; }

    /// <inheritdoc />
    public string Key => "at";

    /// <inheritdoc />
    public string Title => "attention transfer";

    /// <inheritdoc />
    public string Knowledge => "spatial attention maps";

    /// <inheritdoc />
    public MethodPaper? Paper => new("Zagoruyko & Komodakis", 2017,
        "Paying More Attention to Attention: Improving the Performance of Convolutional Neural Networks via Attention Transfer");

    /// <inheritdoc />
    public object Options => Settings;

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => [new("ce", "CE(y, s)"), new("at", "β·distance of the attention maps q = Σ_c A_c² / ‖·‖₂ per layer (AttentionTransferLoss, authors' code form)")];

    /// <inheritdoc />
    public MethodPlan Plan(MethodContext context)
    {
        var student = context.NewStudent();
        return MethodPlan.SingleStage(student, new AttentionTransferObjective(new AttentionTransferLoss(Settings.Beta), context.FeatureTeacher(), Settings.Layers));
    }
}

/// <summary>
/// Attention transfer (Zagoruyko &amp; Komodakis 2017) as the authors train it: cross-entropy on the labels plus
/// <see cref="AttentionTransferLoss"/> between the student's and the teacher's attention maps at each named layer.
/// </summary>
internal sealed class AttentionTransferObjective(AttentionTransferLoss loss, FeatureTeacher teacher, IReadOnlyList<string> layers) : ITrainingObjective
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
