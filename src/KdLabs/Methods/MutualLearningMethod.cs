using KdLabs.Evaluation;
using KdLabs.Models;

namespace KdLabs.Methods;

/// <summary>Settings of deep mutual learning.</summary>
public sealed record MutualLearningOptions
{
    /// <summary>Students trained together; the first is the one reported.</summary>
    public int CohortSize { get; init; } = 2;
}

/// <summary>Deep mutual learning: a cohort of students, each learning the labels and its peers (<see cref="MutualLearningObjective"/>); no teacher.</summary>
public sealed class MutualLearningMethod : IDistillationMethod
{
    /// <summary>Creates the method; <paramref name="options"/> null is the defaults.</summary>
    public MutualLearningMethod(MutualLearningOptions? options = null)
    {
        Settings = options ?? new MutualLearningOptions();
        if (Settings.CohortSize < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(MutualLearningOptions.CohortSize), Settings.CohortSize, "CohortSize must be at least 2: mutual learning needs a peer.");
        }
    }

    /// <summary>Its settings.</summary>
    public MutualLearningOptions Settings { get; }

    /// <inheritdoc />
    public string Key => "dml";

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases => ["mutual-learning"];

    /// <inheritdoc />
    public string Title => "deep mutual learning";

    /// <inheritdoc />
    public string Knowledge => "peers' predictions (no teacher)";

    /// <inheritdoc />
    public MethodPaper? Paper => new("Zhang, Xiang, Hospedales & Lu", 2018, "Deep Mutual Learning");

    /// <inheritdoc />
    public object Options => Settings;

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => [new("ce", "Σ_k CE(y, s_k)"), new("peers", "Σ_k mean_{j≠k} KL(softmax(s_j) ‖ softmax(s_k)), peers detached")];

    /// <inheritdoc />
    public MethodPlan Plan(MethodContext context)
    {
        var students = Enumerable.Range(0, Settings.CohortSize).Select(context.StudentFactory).ToList();
        var cohort = new MutualLearningCohort(students);
        return new MethodPlan(students[0], [new MethodStage("main", null, StageEpochs.All, cohort, new MutualLearningObjective(Settings.CohortSize))],
            ModelStats.ParameterCount(cohort) - ModelStats.ParameterCount(students[0]), students.Skip(1).ToList());
    }
}
