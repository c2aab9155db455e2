namespace KdLabs.Notebooks.Execution;

/// <summary>One code cell to run: the prepared code, its new DLL references, the path its stack frames carry.</summary>
internal sealed record CellRequest(string Code, IReadOnlyList<string> References, string CellPath, int ExecutionCount);

/// <summary>Runs a notebook's cells one after another in one scripting state: in this process or in a worker process.</summary>
internal interface ICellExecutor : IAsyncDisposable
{
    /// <summary>Prepares the scripting state (default usings); for the worker, starts the process.</summary>
    Task StartAsync(CancellationToken ct);

    /// <summary>Runs one cell, adding its outputs to <paramref name="collector"/> as they happen. Never throws for the cell's own errors.</summary>
    Task<CellResult> RunAsync(CellRequest cell, OutputCollector collector, CancellationToken ct);
}
