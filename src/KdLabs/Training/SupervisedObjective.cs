using KdLabs.Data;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Training;

/// <summary>Plain cross-entropy against the hard labels: the no-distillation baseline.</summary>
public sealed class SupervisedObjective : ITrainingObjective
{
    /// <inheritdoc />
    public string Description => "cross-entropy on labels";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("cross-entropy");

    /// <inheritdoc />
    public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation)
    {
    }

    /// <inheritdoc />
    public StepResult Step(Module<Tensor, Tensor> model, Batch batch)
    {
        var logits = model.forward(batch.Inputs);
        return new StepResult(functional.cross_entropy(logits, batch.Labels), logits);
    }
}
