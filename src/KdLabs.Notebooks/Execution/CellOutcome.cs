using Microsoft.CodeAnalysis;

namespace KdLabs.Notebooks.Execution;

/// <summary>What happened when one cell ran.</summary>
internal sealed record CellOutcome
{
    public object? ReturnValue { get; init; }

    public IReadOnlyList<Diagnostic> CompileErrors { get; init; } = [];

    public Exception? Exception { get; init; }

    public bool Cancelled { get; init; }

    public bool Succeeded => !Cancelled && Exception is null && CompileErrors.Count == 0;
}
