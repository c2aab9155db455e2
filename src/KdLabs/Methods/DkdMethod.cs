using KdLabs.Losses;
using KdLabs.Training;

namespace KdLabs.Methods;

/// <summary>Settings of DKD (the official code's defaults, no warm-up ramp).</summary>
public sealed record DkdOptions
{
    /// <summary>Target-class (TCKD) weight α.</summary>
    public double Alpha { get; init; } = 1;

    /// <summary>Non-target (NCKD) weight β.</summary>
    public double Beta { get; init; } = 8;

    /// <summary>Temperature T.</summary>
    public double Temperature { get; init; } = 4;

    /// <summary>Epochs over which the DKD term ramps up, min(epoch / N, 1); 1 is no ramp.</summary>
    public int WarmupEpochs { get; init; } = 1;
}

/// <summary>Decoupled KD: CE plus the ramped <see cref="DkdLoss"/> (<see cref="DkdObjective"/>) from the first teacher's logits.</summary>
public sealed class DkdMethod : ILogitMethod
{
    /// <summary>Creates the method; <paramref name="options"/> null is the defaults.</summary>
    public DkdMethod(DkdOptions? options = null)
    {
        Settings = options ?? new DkdOptions();
        _ = new DkdLoss(Settings.Alpha, Settings.Beta, Settings.Temperature);
        if (Settings.WarmupEpochs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DkdOptions.WarmupEpochs), Settings.WarmupEpochs, "WarmupEpochs must be at least 1 (1 = no ramp).");
        }
    }

    /// <summary>Its settings.</summary>
    public DkdOptions Settings { get; }

    /// <inheritdoc />
    public string Key => "dkd";

    /// <inheritdoc />
    public string Title => "DKD";

    /// <inheritdoc />
    public string Knowledge => "target and non-target logits, reweighted";

    /// <inheritdoc />
    public MethodPaper? Paper => new("Zhao, Cui, Song, Qiu & Liang", 2022, "Decoupled Knowledge Distillation");

    /// <inheritdoc />
    public object Options => Settings;

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => [new("ce", "CE(y, s)"), new("tckd", "α·T²·KL of the target/non-target binary split"), new("nckd", "β·T²·KL among the non-target classes")];

    /// <inheritdoc />
    public ITrainingObjective Objective(ITeacherSignal teacher) =>
        new DkdObjective(new DkdLoss(Settings.Alpha, Settings.Beta, Settings.Temperature), teacher, Settings.WarmupEpochs);

    /// <inheritdoc />
    public ILogitMethod WithSoftTargets(double alpha, double temperature) =>
        throw new ArgumentException($"dkd has no hard-label weight α on its CE; set {nameof(DkdOptions)}.{nameof(DkdOptions.Alpha)}/{nameof(DkdOptions.Beta)}/{nameof(DkdOptions.Temperature)} on new {nameof(DkdMethod)}(...) instead.");
}
