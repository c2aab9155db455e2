using Microsoft.CodeAnalysis;

namespace KdLabs.Notebooks.Execution;

/// <summary>What happened when one cell ran.</summary>
internal sealed record CellOutcome
{
    public object? ReturnValue { get; init; }

    /// <summary>True when the cell ends in an expression with a value (Roslyn's submission result), null included.</summary>
    public bool HasReturnValue { get; init; }

    public IReadOnlyList<Diagnostic> CompileErrors { get; init; } = [];

    public Exception? Exception { get; init; }

    public bool Cancelled { get; init; }

    /// <summary>Cancelled, but the cell's code did not return: it keeps running (and holding the state) in the background.</summary>
    public bool StillRunning { get; init; }

    public bool Succeeded => !Cancelled && Exception is null && CompileErrors.Count == 0;
}
