namespace KdLabs.Notebooks.Execution;

/// <summary>The outcome of one notebook run.</summary>
public sealed class NotebookRunResult
{
    /// <summary>The input notebook path as given.</summary>
    public required string NotebookPath { get; init; }

    /// <summary>Succeeded, Failed or Cancelled.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>The executed .ipynb (written also for failed and cancelled runs).</summary>
    public required string ExecutedNotebookPath { get; init; }

    /// <summary>The self-contained HTML page of the executed notebook.</summary>
    public required string HtmlPath { get; init; }

    /// <summary>Wall time of the run.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>Set when <see cref="Status"/> is Failed.</summary>
    public NotebookError? Error { get; init; }

    /// <summary>Code cells that ran to completion.</summary>
    public int CellsExecuted { get; init; }

    /// <summary>Time the worker process took to start and be ready for the first cell (null when run in process).</summary>
    public TimeSpan? WorkerStartup { get; init; }

    /// <summary>Peak resident memory of the worker process that ran the cells, in bytes (null when run in process or not known).</summary>
    public long? PeakWorkerMemoryBytes { get; init; }

    /// <summary>True when the run succeeded (the CLI exits non-zero otherwise).</summary>
    public bool Succeeded => Status == RunStatus.Succeeded;
}
