namespace KdLabs.Notebooks.Execution;

/// <summary>The outcome of running a folder of notebooks.</summary>
public sealed class CourseRunResult
{
    /// <summary>One result per notebook, in name order.</summary>
    public required IReadOnlyList<NotebookRunResult> Notebooks { get; init; }

    /// <summary>The index.html linking every executed notebook.</summary>
    public required string IndexPath { get; init; }

    /// <summary>Total wall time.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Succeeded only when every notebook succeeded; Cancelled when the run was cancelled.</summary>
    public RunStatus Status =>
        Notebooks.Any(n => n.Status == RunStatus.Cancelled) ? RunStatus.Cancelled
        : Notebooks.All(n => n.Status == RunStatus.Succeeded) ? RunStatus.Succeeded
        : RunStatus.Failed;

    /// <summary>True when every notebook succeeded.</summary>
    public bool Succeeded => Status == RunStatus.Succeeded;
}
