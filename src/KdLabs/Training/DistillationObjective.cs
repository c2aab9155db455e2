using KdLabs.Data;
using KdLabs.Losses;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>Hinton knowledge distillation: <see cref="KdLoss"/> between the student and a teacher signal.</summary>
public sealed class DistillationObjective(KdLoss loss, ITeacherSignal teacher) : ITrainingObjective
{
    /// <summary>The loss.</summary>
    public KdLoss Loss { get; } = loss;

    /// <summary>Where teacher logits come from.</summary>
    public ITeacherSignal Teacher { get; } = teacher;

    /// <inheritdoc />
    public string Description => $"{Loss} from {Teacher.Description}";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("kd", new { Loss.Alpha, Loss.Temperature, Teacher = Teacher.RunIdentity });

    /// <inheritdoc />
    public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation) => Teacher.CheckCompatible(train, augmentation);

    /// <inheritdoc />
    public StepResult Step(nn.Module<Tensor, Tensor> model, Batch batch)
    {
        var logits = model.forward(batch.Inputs);
        var terms = Loss.Compute(logits, Teacher.LogitsFor(batch), batch.Labels);
        return new StepResult(terms.Total, logits);
    }
}
