using KdLabs.Training;

namespace KdLabs.Methods;

/// <summary>Settings of SSLD's label-free soft-label loss.</summary>
public sealed record SoftLabelOptions
{
    /// <summary>The distance between the teacher's and the student's distributions (SSLD's write-up prefers JS).</summary>
    public SoftLabelLoss Loss { get; init; } = SoftLabelLoss.Js;

    /// <summary>
    /// Softmax temperature of both distributions. The loss carries no T² factor (SSLD distils at T = 1, where it is
    /// 1): at T &gt; 1 its gradients shrink by about 1/T², which Adam's per-parameter scaling largely absorbs but SGD does not.
    /// </summary>
    public double Temperature { get; init; } = 1;
}

/// <summary>SSLD's label-free distillation (<see cref="SoftLabelObjective"/>): the student learns the teacher's soft labels only; labels are never read.</summary>
public sealed class SoftLabelMethod : ILogitMethod
{
    /// <summary>Creates the method; <paramref name="options"/> null is the defaults.</summary>
    public SoftLabelMethod(SoftLabelOptions? options = null)
    {
        Settings = options ?? new SoftLabelOptions();
        Losses.SoftTargets.ValidateTemperature(Settings.Temperature);
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
