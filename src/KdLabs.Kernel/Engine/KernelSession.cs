using KdLabs.Notebooks.Execution;
using KdLabs.Notebooks.Format;

namespace KdLabs.Kernel.Engine;

/// <summary>
/// The kernel's side of the runner's engine: one worker process holds the session's scripting state (the same worker,
/// directive handling and formatters as <c>kdlabs run</c>, so a lesson behaves the same in both). A cell that crashes
/// the worker, or will not stop when interrupted, costs the session: the worker is replaced and the learner is told.
/// </summary>
internal sealed class KernelSession(string baseDirectory, Action<string> log) : IAsyncDisposable
{
    /// <summary>What the learner reads when the session had to start over.</summary>
    public const string ResetNote =
        "The session's state was reset: the cell would not stop, so the process that ran it was ended and a new one started. " +
        "Variables, usings and #r references from earlier cells are gone; run the notebook's cells from the top again.\n";

    private readonly List<string> _succeededCells = [];
    private readonly List<string> _references = [];
    private Task<WorkerCellExecutor>? _worker;

    /// <summary>The execution count of the last cell run with history (Jupyter's In [n]).</summary>
    public int ExecutionCount { get; private set; }

    /// <summary>The code of every cell that succeeded in this session, in order (the context completion sees).</summary>
    public IReadOnlyList<string> SucceededCells => _succeededCells;

    /// <summary>Every DLL the session's cells referenced with #r.</summary>
    public IReadOnlyList<string> References => _references;

    /// <summary>The folder cells run in (the kernel's working directory: the notebook's folder in every frontend).</summary>
    public string BaseDirectory => baseDirectory;

    /// <summary>Starts the worker process in the background, so the first cell does not wait for all of it.</summary>
    public void Start() => _worker ??= StartWorkerAsync();

    /// <summary>Runs one cell; its outputs go to <paramref name="collector"/> as they happen.</summary>
    public async Task<ExecuteOutcome> ExecuteAsync(string code, bool storeHistory, OutputCollector collector, CancellationToken ct)
    {
        var count = storeHistory ? ++ExecutionCount : ExecutionCount;
        PreparedCell prepared;
        try
        {
            prepared = CellPreprocessor.Prepare(code, baseDirectory);
        }
        catch (DirectiveException e)
        {
            return new ExecuteOutcome(count, new ErrorOutput("DirectiveError", e.Message, [$"Cell In [{count}], line {e.Line}", $"DirectiveError: {e.Message}"]));
        }

        if (prepared.IsMarkdown)
        {
            return new ExecuteOutcome(count, null);
        }

        NotebookRunner.AddNotes(collector, prepared);
        WorkerCellExecutor worker;
        try
        {
            worker = await (_worker ??= StartWorkerAsync()).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            _worker = null; // the next cell tries again
            return new ExecuteOutcome(count, new ErrorOutput("WorkerStartError", e.Message, [$"WorkerStartError: the process that runs cells did not start: {e.Message}"]));
        }

        var cellPath = Path.Combine(baseDirectory, $"cell{count}.csx");
        var result = await worker.RunAsync(new CellRequest(prepared.Code, prepared.ReferencePaths, cellPath, count), collector, ct).ConfigureAwait(false);
        if (result.Cancelled)
        {
            var reset = result.ProcessEnded || result.StillRunning;
            if (reset)
            {
                ReplaceWorker(worker);
                collector.AppendStreamUncapped("stderr", ResetNote);
            }

            var evalue = reset
                ? "the cell was interrupted; it did not stop, so the session's state was reset"
                : "the cell was interrupted";
            return new ExecuteOutcome(count, new ErrorOutput("KernelInterrupted", evalue, [$"Cell In [{count}]", $"KernelInterrupted: {evalue}"]));
        }

        if (result.Error is { } error)
        {
            if (result.ProcessEnded)
            {
                ReplaceWorker(worker);
                collector.AppendStreamUncapped("stderr", "The cell ended the process that ran it: the session's state was reset (a new one is starting). Run the notebook's cells from the top again.\n");
            }

            var where = result.Line is { } line ? $"Cell In [{count}], line {line}" : $"Cell In [{count}]";
            return new ExecuteOutcome(count, new ErrorOutput(error.Ename, error.Evalue, [where, .. error.Traceback]));
        }

        _succeededCells.Add(prepared.Code);
        _references.AddRange(prepared.ReferencePaths.Where(r => !_references.Contains(r)));
        return new ExecuteOutcome(count, null);
    }

    public async ValueTask DisposeAsync()
    {
        if (_worker is { } starting)
        {
            _worker = null;
            try
            {
                await (await starting.ConfigureAwait(false)).DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                // It never started: nothing to stop.
            }
        }
    }

    private void ReplaceWorker(WorkerCellExecutor old)
    {
        log("the worker process was ended (a cell would not stop, or ended it); starting a new session");
        _succeededCells.Clear();
        _references.Clear();
        _ = Task.Run(async () => await old.DisposeAsync().ConfigureAwait(false));
        _worker = StartWorkerAsync();
    }

    private async Task<WorkerCellExecutor> StartWorkerAsync()
    {
        var worker = new WorkerCellExecutor(baseDirectory, OutputCollector.DefaultMaxStreamChars);
        try
        {
            await worker.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        log($"worker process ready in {worker.StartupTime.TotalSeconds:0.0} s");
        return worker;
    }
}
