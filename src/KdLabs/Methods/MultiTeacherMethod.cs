using KdLabs.Losses;

namespace KdLabs.Methods;

/// <summary>How <see cref="MultiTeacherMethod"/> combines its teachers.</summary>
public enum MultiTeacherMode
{
    /// <summary>The average of their softened distributions as one target.</summary>
    Average,

    /// <summary>One teacher drawn at random per mini-batch.</summary>
    RandomPerBatch,
}

/// <summary>Settings of multi-teacher KD.</summary>
public sealed record MultiTeacherOptions
{
    /// <summary>Weight α of the hard-label cross-entropy.</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>Softmax temperature T.</summary>
    public double Temperature { get; init; } = 4;
}

/// <summary>KD from every teacher of the lab's ensemble (<see cref="MultiTeacherObjective"/>), averaged or one per batch.</summary>
public sealed class MultiTeacherMethod : IDistillationMethod
{
    /// <summary>Creates the method; <paramref name="options"/> null is the defaults.</summary>
    public MultiTeacherMethod(MultiTeacherMode mode, MultiTeacherOptions? options = null)
    {
        Mode = mode;
        Settings = options ?? new MultiTeacherOptions();
        _ = new KdLoss(Settings.Alpha, Settings.Temperature);
    }

    /// <summary>Average or random per batch.</summary>
    public MultiTeacherMode Mode { get; }

    /// <summary>Its settings.</summary>
    public MultiTeacherOptions Settings { get; }

    /// <inheritdoc />
    public string Key => Mode == MultiTeacherMode.Average ? "mt-avg" : "mt-random";

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases => [Mode == MultiTeacherMode.Average ? "multi-teacher-avg" : "multi-teacher-random"];

    /// <inheritdoc />
    public string Title => Mode == MultiTeacherMode.Average ? "multi-teacher, averaged" : "multi-teacher, random per batch";

    /// <inheritdoc />
    public string Knowledge => Mode == MultiTeacherMode.Average ? "an ensemble's averaged soft labels" : "one ensemble member per batch";

    /// <inheritdoc />
    public MethodPaper? Paper => new("Fukuda, Suzuki, Kurata, Thomas, Cui & Ramabhadran", 2017, "Efficient Knowledge Distillation from an Ensemble of Teachers");

    /// <inheritdoc />
    public object Options => Settings;

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => Mode == MultiTeacherMode.Average
        ? [new("ce", "CE(y, s)"), new("soft", "T²·KL(mean_k softmax(t_k/T) ‖ softmax(s/T))"), new("total", "α·ce + (1 − α)·soft")]
        : [new("ce", "CE(y, s)"), new("soft", "T²·KL(softmax(t_k/T) ‖ softmax(s/T)), k drawn per batch"), new("total", "α·ce + (1 − α)·soft")];

    /// <inheritdoc />
    public MethodPlan Plan(MethodContext context)
    {
        var student = context.NewStudent();
        var kd = new KdLoss(Settings.Alpha, Settings.Temperature);
        return MethodPlan.SingleStage(student, Mode == MultiTeacherMode.Average
            ? MultiTeacherObjective.Average(context.TeacherLogits, kd)
            : MultiTeacherObjective.RandomPerBatch(context.TeacherLogits, kd, context.Seed));
    }
}
