using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Execution;

/// <summary>How one cell ended, as the runner sees it (in process or in the worker).</summary>
internal sealed record CellResult
{
    public static readonly CellResult Completed = new();

    /// <summary>Set when the cell failed: its error output (compile error, exception, crash of the worker).</summary>
    public ErrorOutput? Error { get; init; }

    /// <summary>1-based line in the cell, when known.</summary>
    public int? Line { get; init; }

    /// <summary>The cell stopped because its token fired (cancellation or a timeout).</summary>
    public bool Cancelled { get; init; }

    /// <summary>Cancelled, but the cell's code never returned and still runs in its process: only ending that process stops it.</summary>
    public bool StillRunning { get; init; }

    /// <summary>The process that ran the cell is gone (crash, Environment.Exit, or killed after a timeout); no later cell can run in it.</summary>
    public bool ProcessEnded { get; init; }
}
