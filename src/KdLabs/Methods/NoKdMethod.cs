using KdLabs.Training;

namespace KdLabs.Methods;

/// <summary>Settings of the labels-only baseline: none.</summary>
internal sealed record NoKdOptions
{
    /// <summary>Nothing to check: the baseline has no settings.</summary>
    public void Validate()
    {
    }
}

/// <summary>The baseline every method is compared with: the student on the labels alone, no teacher.</summary>
internal sealed class NoKdMethod(NoKdOptions? options = null) : IDistillationMethod
{
    /// <inheritdoc />
    public string Key => "none";

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases => ["no-kd"];

    /// <inheritdoc />
    public string Title => "no KD (labels only)";

    /// <inheritdoc />
    public string Knowledge => "—";

    /// <inheritdoc />
    public MethodPaper? Paper => null;

    /// <inheritdoc />
    public object Options { get; } = options ?? new NoKdOptions();

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => [new("ce", "CE(y, s), cross-entropy on the labels")];

    /// <inheritdoc />
    public MethodPlan Plan(MethodContext context) => MethodPlan.SingleStage(context.NewStudent(), new SupervisedObjective());
}
