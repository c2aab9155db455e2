using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Notebooks.Format;
using KdLabs.Notebooks.Formatting;
using KdLabs.Notebooks.Parameters;
using KdLabs.Notebooks.Rendering;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// Runs a C# notebook headless, cell by cell, with Roslyn scripting; writes the executed .ipynb and an HTML page.
/// Per-cell timings go to cell metadata "papermill" (start_time, end_time, duration, status, exception), the run
/// summary to notebook metadata "papermill", as papermill does.
/// </summary>
public sealed class NotebookRunner
{

    /// <summary>Runs one notebook. Failures inside the notebook come back in the result; the caller exits non-zero.</summary>
    /// <exception cref="ParameterException">Bad parameters; thrown before any cell runs and before anything is written.</exception>
    /// <exception cref="FormatException">The notebook file cannot be read.</exception>
    /// <exception cref="FileNotFoundException">The notebook file does not exist.</exception>
    public async Task<NotebookRunResult> RunAsync(NotebookRunRequest request, CancellationToken ct)
    {
        var log = request.Log ?? (_ => { });
        var clock = Stopwatch.StartNew();
        var startTime = DateTimeOffset.UtcNow;

        if (!File.Exists(request.NotebookPath))
        {
            throw new FileNotFoundException($"notebook not found: {request.NotebookPath}", request.NotebookPath);
        }

        var inputFull = Path.GetFullPath(request.NotebookPath);
        var baseDirectory = Path.GetDirectoryName(inputFull)!;
        var name = Path.GetFileNameWithoutExtension(inputFull);
        var outputDirectory = Path.GetFullPath(request.OutputDirectory);
        var ipynbPath = Path.Combine(outputDirectory, name + ".ipynb");
        var htmlPath = Path.Combine(outputDirectory, name + ".html");
        if (string.Equals(ipynbPath, inputFull, StringComparison.Ordinal))
        {
            throw new ArgumentException($"the output folder would overwrite the input notebook {request.NotebookPath}; choose another output folder");
        }

        var notebook = NotebookFile.Load(request.NotebookPath);
        ResetOutputs(notebook);
        PolyglotMetadata.EnsureNotebookMetadata(notebook.Metadata);
        var defaults = ParameterCell.Read(notebook);
        var injected = ParameterBinder.Inject(notebook, request.Parameters, request.NotebookPath);
        var numbering = Number(notebook, injected);

        var cells = notebook.Cells;
        var totalCells = cells.Count - (injected is null ? 0 : 1);
        log($"running {request.NotebookPath} ({totalCells} cells{(request.Parameters.Count > 0 ? ", " + FormatParameters(request.Parameters) : "")})");

        var status = RunStatus.Succeeded;
        NotebookError? error = null;
        var executed = 0;

        // Check every directive before running anything: a missing package at cell 20 should not cost a 10-minute run.
        var prepared = new PreparedCell?[cells.Count];
        for (var i = 0; i < cells.Count && error is null; i++)
        {
            var cell = cells[i];
            if (cell.CellType != CellType.Code)
            {
                continue;
            }

            var kernel = notebook.KernelOf(cell);
            try
            {
                if (kernel == "markdown")
                {
                    prepared[i] = new PreparedCell { Code = "", IsMarkdown = true };
                    continue;
                }

                if (kernel != PolyglotMetadata.CSharpKernel)
                {
                    throw new DirectiveException(1, $"cell uses kernel '{kernel}'; this runner runs C# only");
                }

                prepared[i] = CellPreprocessor.Prepare(cell.Source, baseDirectory);
            }
            catch (DirectiveException e)
            {
                error = new NotebookError(request.NotebookPath, numbering[i].Cell, numbering[i].CodeCell, e.Line, "DirectiveError", e.Message);
                cell.Outputs.Add(new ErrorOutput("DirectiveError", e.Message, [$"DirectiveError: {e.Message}", $"   at cell {numbering[i].Cell}, line {e.Line}"]));
                status = RunStatus.Failed;
                log($"cell {numbering[i].Cell}/{totalCells} failed: {e.Message}");
            }
        }

        if (request.Formatters is not null && request.Isolation == NotebookIsolation.Worker)
        {
            throw new ArgumentException("custom Formatters apply only in process: set Isolation = NotebookIsolation.InProcess (the worker process uses the kit's formatters)");
        }

        // The output folder is checked and locked before the first cell: an unwritable --out must not cost a long run.
        using var folder = OutputFolder.Acquire(request.OutputDirectory, name, ipynbPath, htmlPath);
        using var notebookTimeout = new CancellationTokenSource();
        if (request.Timeout is { } timeout)
        {
            notebookTimeout.CancelAfter(timeout);
        }

        using var runCts = CancellationTokenSource.CreateLinkedTokenSource(ct, notebookTimeout.Token);
        TimeSpan? workerStartup = null;
        long? peakMemory = null;

        void Save(string state)
        {
            notebook.Metadata["papermill"] = new JsonObject
            {
                ["default_parameters"] = new JsonObject(defaults.Select(p => KeyValuePair.Create(p.Name, (JsonNode?)JsonValue.Create(p.DefaultValue)))),
                ["duration"] = Math.Round(clock.Elapsed.TotalSeconds, 6),
                ["end_time"] = Iso(startTime + clock.Elapsed),
                ["exception"] = status == RunStatus.Failed,
                ["input_path"] = request.NotebookPath,
                ["output_path"] = ipynbPath,
                ["parameters"] = new JsonObject(request.Parameters.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))),
                ["start_time"] = Iso(startTime),
                ["status"] = state,
            };
            IpynbFormat.Write(notebook, ipynbPath);
        }

        void Fail(int index, ErrorOutput output, int? line, string label, TimeSpan elapsed)
        {
            cells[index].Outputs.Add(output);
            error = new NotebookError(request.NotebookPath, numbering[index].Cell, numbering[index].CodeCell, line, output.Ename, output.Evalue);
            status = RunStatus.Failed;
            log($"{label} failed {NotebookHtmlRenderer.FormatDuration(elapsed)}: {error.Message}");
        }

        if (status == RunStatus.Succeeded && !runCts.IsCancellationRequested)
        {
            await using var executor = request.Isolation == NotebookIsolation.InProcess
                ? (ICellExecutor)new InProcessCellExecutor(request.Formatters ?? FormatterRegistry.CreateDefault(), baseDirectory)
                : new WorkerCellExecutor(baseDirectory, request.MaxCellOutputChars, request.WorkerHost);
            var started = false;
            try
            {
                await executor.StartAsync(runCts.Token).ConfigureAwait(false);
                started = true;
            }
            catch (OperationCanceledException) when (runCts.IsCancellationRequested)
            {
                status = RunStatus.Cancelled;
            }
            catch (Exception e) when (e is InvalidOperationException or IOException)
            {
                // The worker could not start (or died before it was ready): this notebook fails, but what the caller
                // expects is still written, and a course goes on with the next notebook.
                status = RunStatus.Failed;
                var message = e.InnerException is { } inner ? $"{e.Message} ({inner.GetType().Name})" : e.Message;
                error = new NotebookError(request.NotebookPath, 0, 0, null, "WorkerStartError", message);
                log($"{request.NotebookPath}: the notebook's worker process did not start: {message}");
            }

            if (executor is WorkerCellExecutor worker && started)
            {
                workerStartup = worker.StartupTime;
                log($"worker process ready in {NotebookHtmlRenderer.FormatDuration(worker.StartupTime)}");
            }

            // The worker's high-water mark, read after every cell (and while a long one runs) because it is gone once the worker exits.
            void SamplePeak()
            {
                if (executor is WorkerCellExecutor w && w.PeakResidentBytes > 0)
                {
                    peakMemory = w.PeakResidentBytes;
                }
            }

            var executionCount = 0;
            for (var i = 0; started && i < cells.Count; i++)
            {
                if (prepared[i] is not { IsMarkdown: false } code)
                {
                    continue;
                }

                var cell = cells[i];
                var label = cell == injected ? "injected parameters" : $"cell {numbering[i].Cell}/{totalCells}";
                if (runCts.IsCancellationRequested)
                {
                    if (ct.IsCancellationRequested)
                    {
                        status = RunStatus.Cancelled;
                    }
                    else
                    {
                        Fail(i, TimeoutError("NotebookTimeoutError", $"the notebook ran longer than its timeout ({Seconds(request.Timeout)}, --timeout); this cell did not start"), null, label, TimeSpan.Zero);
                    }

                    break;
                }

                var collector = new OutputCollector(request.MaxCellOutputChars);
                cell.ExecutionCount = ++executionCount;
                AddNotes(collector, code);

                var cellPath = CellPath(inputFull, numbering[i].Cell, cell == injected);
                var cellStart = DateTimeOffset.UtcNow;
                var cellClock = Stopwatch.StartNew();
                CellResult outcome;
                using (var cellCts = CancellationTokenSource.CreateLinkedTokenSource(runCts.Token))
                {
                    if (request.CellTimeout is { } cellTimeout)
                    {
                        cellCts.CancelAfter(cellTimeout);
                    }

                    var running = executor.RunAsync(new CellRequest(code.Code, code.ReferencePaths, cellPath, executionCount), collector, cellCts.Token);
                    // A long cell (a training run) shows its progress in the saved notebook while it runs, not only at its end.
                    while (await Task.WhenAny(running, Task.Delay(request.LiveSaveInterval, CancellationToken.None)).ConfigureAwait(false) != running)
                    {
                        SamplePeak();
                        cell.Outputs.Clear();
                        cell.Outputs.AddRange(collector.Snapshot());
                        Save("running");
                    }

                    outcome = await running.ConfigureAwait(false);
                }

                cellClock.Stop();
                SamplePeak();
                cell.Outputs.Clear();
                cell.Outputs.AddRange(collector.Snapshot());

                var timedOut = outcome.Cancelled && !ct.IsCancellationRequested;
                var cellStatus = outcome.Cancelled && !timedOut ? "cancelled" : outcome.Error is null && !timedOut ? "completed" : "failed";
                cell.Metadata["papermill"] = new JsonObject
                {
                    ["duration"] = Math.Round(cellClock.Elapsed.TotalSeconds, 6),
                    ["end_time"] = Iso(cellStart + cellClock.Elapsed),
                    ["exception"] = cellStatus == "failed",
                    ["start_time"] = Iso(cellStart),
                    ["status"] = cellStatus,
                };

                if (timedOut)
                {
                    var stopped = outcome.ProcessEnded ? "it was stopped (its process was ended)" : request.Isolation == NotebookIsolation.InProcess ? "it was abandoned (in process it may keep running)" : "it was stopped";
                    var output = notebookTimeout.IsCancellationRequested
                        ? TimeoutError("NotebookTimeoutError", $"the notebook ran longer than its timeout ({Seconds(request.Timeout)}, --timeout) during this cell; {stopped}")
                        : TimeoutError("CellTimeoutError", $"the cell ran longer than the cell timeout ({Seconds(request.CellTimeout)}, --cell-timeout); {stopped}");
                    Fail(i, output, null, label, cellClock.Elapsed);
                    break;
                }

                if (outcome.Cancelled)
                {
                    cell.Outputs.Add(new ErrorOutput("RunCancelled", "the run was stopped (Ctrl+C or SIGTERM) during this cell; outputs up to here are kept and later cells did not run", []));
                    status = RunStatus.Cancelled;
                    log($"{label} cancelled after {NotebookHtmlRenderer.FormatDuration(cellClock.Elapsed)}");
                    break;
                }

                if (outcome.Error is { } cellError)
                {
                    Fail(i, cellError, outcome.Line, label, cellClock.Elapsed);
                    break;
                }

                executed++;
                log($"{label} ok {NotebookHtmlRenderer.FormatDuration(cellClock.Elapsed)}");
                // Written after every cell: a run killed later (even with SIGKILL) leaves every finished cell's output.
                Save("running");
            }
        }
        else if (runCts.IsCancellationRequested && status == RunStatus.Succeeded)
        {
            status = ct.IsCancellationRequested ? RunStatus.Cancelled : RunStatus.Failed;
        }

        clock.Stop();
        Save(status.ToString().ToLowerInvariant());
        var page = NotebookHtmlRenderer.Render(notebook, new NotebookPageInfo(name, status, clock.Elapsed)
        {
            Parameters = request.Parameters,
            ErrorMessage = error?.Message,
        });
        AtomicFile.WriteAllText(htmlPath, page);

        log($"{request.NotebookPath}: {status.ToString().ToLowerInvariant()} in {NotebookHtmlRenderer.FormatDuration(clock.Elapsed)}");
        return new NotebookRunResult
        {
            NotebookPath = request.NotebookPath,
            Status = status,
            ExecutedNotebookPath = ipynbPath,
            HtmlPath = htmlPath,
            Duration = clock.Elapsed,
            Error = error,
            CellsExecuted = executed,
            WorkerStartup = workerStartup,
            PeakWorkerMemoryBytes = peakMemory,
        };
    }

    private static ErrorOutput TimeoutError(string ename, string evalue) => new(ename, evalue, [$"{ename}: {evalue}"]);

    private static string Seconds(TimeSpan? span) => span is { } s ? NotebookHtmlRenderer.FormatDuration(s) : "none";

    private static void ResetOutputs(Notebook notebook)
    {
        foreach (var cell in notebook.Cells)
        {
            cell.Outputs.Clear();
            cell.ExecutionCount = null;
            cell.Metadata.Remove("papermill");
        }

        notebook.Metadata.Remove("papermill");
    }

    /// <summary>Input-notebook numbers (all cells, code cells) for each cell; the injected cell borrows the parameters cell's.</summary>
    private static (int Cell, int CodeCell)[] Number(Notebook notebook, NotebookCell? injected)
    {
        var numbers = new (int, int)[notebook.Cells.Count];
        int cell = 0, code = 0;
        for (var i = 0; i < notebook.Cells.Count; i++)
        {
            if (notebook.Cells[i] == injected)
            {
                numbers[i] = (cell, code);
                continue;
            }

            cell++;
            if (notebook.Cells[i].CellType == CellType.Code)
            {
                code++;
            }

            numbers[i] = (cell, code);
        }

        return numbers;
    }

    private static string CellPath(string notebookPath, int cellNumber, bool injected) =>
        $"{notebookPath}.cell{cellNumber}{(injected ? "-injected" : "")}.csx";

    /// <summary>The outputs a cell gets before it runs: the packages its #r lines brought, and its directives' notes.</summary>
    internal static void AddNotes(OutputCollector collector, PreparedCell code)
    {
        if (code.Packages.Count > 0)
        {
            var lines = code.Packages.Select(p => p.RequestedVersion is { } v && v != p.Package.Version
                ? $"{p.Package.Name} {p.Package.Version} (requested {v}; the kit provides {p.Package.Version})"
                : $"{p.Package.Name} {p.Package.Version}");
            collector.Add(new DisplayDataOutput(new MimeBundle().Set("text/plain", "Using packages shipped with the kit: " + string.Join(", ", lines))));
        }

        foreach (var note in code.Notes)
        {
            collector.Add(new DisplayDataOutput(new MimeBundle().Set("text/plain", note)));
        }
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);

    private static string FormatParameters(IReadOnlyDictionary<string, string> parameters) =>
        "parameters: " + string.Join(", ", parameters.Select(p => $"{p.Key}={p.Value}"));
}
