using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Methods;

/// <summary>
/// Decoupled KD as the official code trains it (Zhao et al. 2022; mdistiller's DKD distiller): cross-entropy on
/// the labels plus min(epoch / warmup, 1) · <see cref="DkdLoss"/> against the teacher's logits.
/// </summary>
public sealed class DkdObjective(DkdLoss loss, ITeacherSignal teacher, int warmupEpochs = 1) : ITrainingObjective
{
    private double ramp = 1;

    /// <inheritdoc />
    public string Description => $"CE + {loss} (ramp over {warmupEpochs} epoch{(warmupEpochs == 1 ? "" : "s")}) from {teacher.Description}";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("dkd", new { loss.Alpha, loss.Beta, loss.Temperature, WarmupEpochs = warmupEpochs, Teacher = teacher.RunIdentity });

    /// <inheritdoc />
    public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation) => teacher.CheckCompatible(train, augmentation);

    /// <inheritdoc />
    public void StartEpoch(int epoch, int stepsPerEpoch) => ramp = DkdLoss.WarmupFactor(epoch, warmupEpochs);

    /// <inheritdoc />
    public StepResult Step(Module<Tensor, Tensor> model, Batch batch)
    {
        var logits = model.forward(batch.Inputs);
        var dkd = loss.Compute(logits, teacher.LogitsFor(batch), batch.Labels);
        return new StepResult(functional.cross_entropy(logits, batch.Labels) + ramp * dkd.Total, logits);
    }
}
