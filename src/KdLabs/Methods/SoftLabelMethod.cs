using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Methods;

/// <summary>How a label-free student is pulled towards the teacher's soft labels (the losses SSLD compares).</summary>
public enum SoftLabelLoss
{
    /// <summary>Cross-entropy with soft targets, −Σ p_t log p_s (KL plus the teacher's entropy, a constant).</summary>
    SoftCrossEntropy,

    /// <summary>KL(p_t ‖ p_s), batch mean (<see cref="Losses.KlDivergence"/>).</summary>
    Kl,

    /// <summary>Jensen–Shannon divergence, bounded by ln 2 (<see cref="Losses.JsDivergence"/>).</summary>
    Js,

    /// <summary>½KL(p_t ‖ p_s) + ½KL(p_s ‖ p_t), what PaddleClas's code computes as "JS" (<see cref="Losses.SymmetricKlDivergence"/>).</summary>
    SymmetricKl,
}

/// <summary>Settings of SSLD's label-free soft-label loss.</summary>
internal sealed record SoftLabelOptions
{
    /// <summary>The distance between the teacher's and the student's distributions (SSLD's write-up prefers JS).</summary>
    public SoftLabelLoss Loss { get; init; } = SoftLabelLoss.Js;

    /// <summary>
    /// Softmax temperature of both distributions. The loss carries no T² factor (SSLD distils at T = 1, where it is
    /// 1): at T &gt; 1 its gradients shrink by about 1/T², which Adam's per-parameter scaling largely absorbs but SGD does not.
    /// </summary>
    public double Temperature { get; init; } = 1;

    /// <summary>Throws (marked as a setting: <see cref="Infrastructure.OptionsValidation"/>) when the loss is not one of <see cref="SoftLabelLoss"/>'s or T is out of range.</summary>
    public void Validate() => Infrastructure.OptionsValidation.Run(() =>
    {
        if (!Enum.IsDefined(Loss))
        {
            throw new ArgumentOutOfRangeException(nameof(Loss), Loss, $"Loss must be one of {string.Join(", ", Enum.GetNames<SoftLabelLoss>())}.");
        }
        SoftTargets.ValidateTemperature(Temperature);
    });
}

/// <summary>SSLD's label-free distillation (<see cref="SoftLabelObjective"/>): the student learns the teacher's soft labels only; labels are never read.</summary>
internal sealed class SoftLabelMethod : ILogitMethod
{
    /// <summary>Creates the method; <paramref name="options"/> null is the defaults.</summary>
    public SoftLabelMethod(SoftLabelOptions? options = null)
    {
        Settings = options ?? new SoftLabelOptions();
        Settings.Validate();
    }

    /// <summary>Its settings.</summary>
    public SoftLabelOptions Settings { get; }

    /// <inheritdoc />
    public string Key => "ssld";

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases => ["soft-label"];

    /// <inheritdoc />
    public string Title => "SSLD soft labels (label-free)";

    /// <inheritdoc />
    public string Knowledge => "soft labels only, no ground truth";

    /// <inheritdoc />
    public MethodPaper? Paper => new("Cui, Guo, Yu, Du, Wei, Dang, Wang & Ma", 2021,
        "Beyond Self-Supervision: A Simple Yet Effective Network Distillation Alternative to Improve Backbones");

    /// <inheritdoc />
    public object Options => Settings;

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => [new("soft", "D(softmax(t/T), softmax(s/T)), D = JS, KL, symmetric KL or soft CE")];

    /// <inheritdoc />
    public ITrainingObjective Objective(ITeacherSignal teacher) => new SoftLabelObjective(teacher, Settings.Loss, Settings.Temperature);

    /// <inheritdoc />
    public ILogitMethod WithSoftTargets(double alpha, double temperature) =>
        alpha == 0 ? new SoftLabelMethod(Settings with { Temperature = temperature })
            : throw new ArgumentException($"ssld reads no labels, so its hard-label weight α is 0, not {alpha}; set only the temperature.");
}

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
