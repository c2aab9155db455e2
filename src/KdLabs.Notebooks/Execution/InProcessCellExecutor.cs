using KdLabs.Notebooks.Format;
using KdLabs.Notebooks.Formatting;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// Runs cells with Roslyn scripting in the calling process. Used by the worker process itself, and by the runner when
/// <see cref="NotebookIsolation.InProcess"/> is asked for (custom formatters, debugging). In process, a cell that
/// overflows the stack, throws on another thread or calls Environment.Exit ends the caller's process too.
/// </summary>
internal sealed class InProcessCellExecutor(FormatterRegistry formatters, string baseDirectory) : ICellExecutor
{
    private readonly FormatContext _formatContext = new();
    private NotebookGlobals? _globals;
    private ScriptSession? _session;

    /// <summary>The cell running now (its script path), for crash reports from other threads.</summary>
    public string? CurrentCellPath { get; private set; }

    public async Task StartAsync(CancellationToken ct)
    {
        _globals = new NotebookGlobals(formatters, _formatContext);
        _session = new ScriptSession(_globals, baseDirectory);
        await _session.StartAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public async Task<CellResult> RunAsync(CellRequest cell, OutputCollector collector, CancellationToken ct)
    {
        var session = _session ?? throw new InvalidOperationException("StartAsync first");
        var globals = _globals!;
        foreach (var path in cell.References)
        {
            session.AddReference(path);
        }

        globals.CurrentCell = collector;
        CurrentCellPath = cell.CellPath;
        CellOutcome outcome;
        try
        {
            using (ConsoleCapture.Begin(collector))
            {
                outcome = await session.RunCellAsync(cell.Code, cell.CellPath, ct).ConfigureAwait(false);
            }

            if (ct.IsCancellationRequested && outcome.Succeeded)
            {
                // The cell saw the token and returned early; its work is incomplete, so it counts as cancelled.
                outcome = outcome with { Cancelled = true };
            }

            // A trailing expression that evaluates to null is shown as <null>, as the kernel shows it; a cell with no
            // trailing expression (or a void one) shows nothing.
            if (outcome.Succeeded && outcome.HasReturnValue)
            {
                collector.Add(new ExecuteResultOutput(globals.Formatters.Format(outcome.ReturnValue, _formatContext), cell.ExecutionCount));
            }
        }
        finally
        {
            globals.CurrentCell = null;
            CurrentCellPath = null;
        }

        if (outcome.Cancelled)
        {
            return new CellResult { Cancelled = true, StillRunning = outcome.StillRunning };
        }

        if (!outcome.Succeeded)
        {
            var (error, line) = CellErrors.From(outcome, cell.CellPath);
            return new CellResult { Error = error, Line = line };
        }

        return CellResult.Completed;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
