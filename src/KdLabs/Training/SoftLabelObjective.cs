using KdLabs.Data;
using KdLabs.Losses;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>
/// Label-free distillation as in SSLD (PaddleClas, "semi-supervised label knowledge distillation", Cui et al. 2021):
/// the student learns only the teacher's soft labels softmax(t/T), so unlabelled images train it as well as labelled
/// ones, and the data set's labels are never read. The distance is <see cref="Loss"/>; SSLD's write-up prefers JS.
/// </summary>
public sealed class SoftLabelObjective : ITrainingObjective
{
    /// <summary>Creates the objective.</summary>
    public SoftLabelObjective(ITeacherSignal teacher, SoftLabelLoss loss = SoftLabelLoss.Js, double temperature = 1)
    {
        SoftTargets.ValidateTemperature(temperature);
        Teacher = teacher;
        Loss = loss;
        Temperature = temperature;
    }

    /// <summary>Source of the teacher's logits.</summary>
    public ITeacherSignal Teacher { get; }

    /// <summary>The distance between the teacher's and the student's distributions.</summary>
    public SoftLabelLoss Loss { get; }

    /// <summary>The softmax temperature for both distributions.</summary>
    public double Temperature { get; }

    /// <inheritdoc />
    public string Description => $"label-free {Loss} at T={Temperature:0.##} to {Teacher.Description}";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("soft-label", new { Loss, Temperature, Teacher = Teacher.RunIdentity });

    /// <inheritdoc />
    public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation) => Teacher.CheckCompatible(train, augmentation);

    /// <inheritdoc />
    public StepResult Step(nn.Module<Tensor, Tensor> model, Batch batch)
    {
        var logits = model.forward(batch.Inputs);
        return new StepResult(Compute(Teacher.LogitsFor(batch).detach(), logits, Loss, Temperature), logits);
    }

    /// <summary>The loss between teacher logits <paramref name="teacher"/> and student logits <paramref name="student"/>, averaged over the batch.</summary>
    public static Tensor Compute(Tensor teacher, Tensor student, SoftLabelLoss loss, double temperature) => loss switch
    {
        SoftLabelLoss.SoftCrossEntropy => SoftCrossEntropy(teacher, student, temperature),
        SoftLabelLoss.Kl => KlDivergence.FromLogits(teacher, student, temperature),
        SoftLabelLoss.Js => JsDivergence.FromLogits(teacher, student, temperature),
        SoftLabelLoss.SymmetricKl => SymmetricKlDivergence.FromLogits(teacher, student, temperature),
        _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, "Unknown soft-label loss."),
    };

    /// <summary>
    /// −Σ_i p_i log q_i averaged over the batch, p = softmax(teacher/T), q = softmax(student/T). A class the teacher
    /// gives no mass (a −∞ logit) contributes 0 even where the student's log q is −∞ too (0·log 0 = 0, not NaN).
    /// </summary>
    public static Tensor SoftCrossEntropy(Tensor teacher, Tensor student, double temperature)
    {
        var p = SoftTargets.Probabilities(teacher, temperature);
        var logQ = SoftTargets.LogProbabilities(student, temperature);
        return -(p * logQ.masked_fill(p.le(0), 0)).sum(1).mean();
    }
}
