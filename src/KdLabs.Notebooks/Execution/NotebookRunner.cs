using KdLabs.Data;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using KdLabs.Notebooks.Format;
using KdLabs.Notebooks.Formatting;
using KdLabs.Notebooks.Parameters;
using KdLabs.Notebooks.Rendering;
using Microsoft.CodeAnalysis;

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

        var formatContext = new FormatContext();
        var globals = new NotebookGlobals(request.Formatters ?? FormatterRegistry.CreateDefault(), formatContext, ct);
        if (status == RunStatus.Succeeded && !ct.IsCancellationRequested)
        {
            var session = new ScriptSession(globals, baseDirectory);
            await session.StartAsync(CancellationToken.None).ConfigureAwait(false);
            var executionCount = 0;

            for (var i = 0; i < cells.Count; i++)
            {
                if (ct.IsCancellationRequested)
                {
                    status = RunStatus.Cancelled;
                    break;
                }

                if (prepared[i] is not { IsMarkdown: false } code)
                {
                    continue;
                }

                var cell = cells[i];
                var label = cell == injected ? "injected parameters" : $"cell {numbering[i].Cell}/{totalCells}";
                var collector = new OutputCollector();
                globals.CurrentCell = collector;
                cell.ExecutionCount = ++executionCount;
                foreach (var path in code.ReferencePaths)
                {
                    session.AddReference(path);
                }

                AddNotes(collector, code);

                var cellStart = DateTimeOffset.UtcNow;
                var cellClock = Stopwatch.StartNew();
                CellOutcome outcome;
                using (ConsoleCapture.Begin(collector))
                {
                    outcome = await session.RunCellAsync(code.Code, CellPath(inputFull, numbering[i].Cell, cell == injected), ct).ConfigureAwait(false);
                }

                cellClock.Stop();
                if (ct.IsCancellationRequested && outcome.Succeeded)
                {
                    // The cell saw the token and returned early; its work is incomplete, so it counts as cancelled.
                    outcome = outcome with { Cancelled = true };
                }

                if (outcome.Succeeded && outcome.ReturnValue is { } value)
                {
                    collector.Add(new ExecuteResultOutput(globals.Formatters.Format(value, formatContext), executionCount));
                }

                globals.CurrentCell = null;
                cell.Outputs.AddRange(collector.Snapshot());

                var cellStatus = outcome.Cancelled ? "cancelled" : outcome.Succeeded ? "completed" : "failed";
                cell.Metadata["papermill"] = new JsonObject
                {
                    ["duration"] = Math.Round(cellClock.Elapsed.TotalSeconds, 6),
                    ["end_time"] = Iso(cellStart + cellClock.Elapsed),
                    ["exception"] = !outcome.Succeeded && !outcome.Cancelled,
                    ["start_time"] = Iso(cellStart),
                    ["status"] = cellStatus,
                };

                if (outcome.Cancelled)
                {
                    status = RunStatus.Cancelled;
                    log($"{label} cancelled after {NotebookHtmlRenderer.FormatDuration(cellClock.Elapsed)}");
                    break;
                }

                if (!outcome.Succeeded)
                {
                    var (errorOutput, line) = ErrorFor(outcome, CellPath(inputFull, numbering[i].Cell, cell == injected));
                    cell.Outputs.Add(errorOutput);
                    error = new NotebookError(request.NotebookPath, numbering[i].Cell, numbering[i].CodeCell, line, errorOutput.Ename, errorOutput.Evalue);
                    status = RunStatus.Failed;
                    log($"{label} failed {NotebookHtmlRenderer.FormatDuration(cellClock.Elapsed)}: {error.Message}");
                    break;
                }

                executed++;
                log($"{label} ok {NotebookHtmlRenderer.FormatDuration(cellClock.Elapsed)}");
            }
        }
        else if (ct.IsCancellationRequested && status == RunStatus.Succeeded)
        {
            status = RunStatus.Cancelled;
        }

        clock.Stop();
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
            ["status"] = status.ToString().ToLowerInvariant(),
        };

        IpynbFormat.Write(notebook, ipynbPath);
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
        };
    }

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

    private static void AddNotes(OutputCollector collector, PreparedCell code)
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

    private static (ErrorOutput Output, int? Line) ErrorFor(CellOutcome outcome, string cellPath)
    {
        if (outcome.CompileErrors.Count > 0)
        {
            var first = outcome.CompileErrors[0];
            var line = first.Location.GetMappedLineSpan().StartLinePosition.Line + 1;
            var evalue = $"error {first.Id}: {first.GetMessage(CultureInfo.InvariantCulture)}";
            var traceback = outcome.CompileErrors.Select(d =>
            {
                var position = d.Location.GetMappedLineSpan().StartLinePosition;
                return $"({position.Line + 1},{position.Character + 1}): error {d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)}";
            }).ToList();
            return (new ErrorOutput("CompilationError", evalue, traceback), line);
        }

        var exception = outcome.Exception!;
        if (exception is System.Reflection.TargetInvocationException { InnerException: { } inner })
        {
            exception = inner;
        }

        var frameLine = new StackTrace(exception, fNeedFileInfo: true).GetFrames()
            .FirstOrDefault(f => string.Equals(f.GetFileName(), cellPath, StringComparison.Ordinal) && f.GetFileLineNumber() > 0)
            ?.GetFileLineNumber();
        var ename = exception.GetType().FullName ?? exception.GetType().Name;
        return (new ErrorOutput(ename, exception.Message, exception.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToList()),
            frameLine is > 0 ? frameLine : null);
    }

    private static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);

    private static string FormatParameters(IReadOnlyDictionary<string, string> parameters) =>
        "parameters: " + string.Join(", ", parameters.Select(p => $"{p.Key}={p.Value}"));
}
