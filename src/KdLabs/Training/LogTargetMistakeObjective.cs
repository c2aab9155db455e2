using KdLabs.Data;
using KdLabs.Losses;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Training;

/// <summary>
/// Hinton's loss with the soft term written as the widely shared PyTorch MNIST example writes it (see
/// <see cref="LogTargetMistake"/>): <c>α·CE + (1 − α)·mistaken term</c>. For lessons that show what the mistake does to a student.
/// </summary>
internal sealed class LogTargetMistakeObjective(double alpha, double temperature, ITeacherSignal teacher, bool olderLibtorch) : ITrainingObjective
{
    /// <inheritdoc />
    public string Description => $"KD(α={alpha:0.###} on CE, T={temperature:0.###}) with log-softmax targets and log_target false ({(olderLibtorch ? "older libtorch rule" : "this libtorch")}) from {teacher.Description}";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("kd-log-target-mistake", new { Alpha = alpha, Temperature = temperature, OlderLibtorch = olderLibtorch, Teacher = teacher.RunIdentity });

    /// <inheritdoc />
    public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation) => teacher.CheckCompatible(train, augmentation);

    /// <inheritdoc />
    public StepResult Step(Module<Tensor, Tensor> model, Batch batch)
    {
        var logits = model.forward(batch.Inputs);
        var t = teacher.LogitsFor(batch);
        var soft = olderLibtorch ? LogTargetMistake.AsOlderLibtorchComputedIt(t, logits, temperature) : LogTargetMistake.AsWritten(t, logits, temperature);
        return new StepResult(functional.cross_entropy(logits, batch.Labels) * alpha + soft * (1 - alpha), logits);
    }
}
