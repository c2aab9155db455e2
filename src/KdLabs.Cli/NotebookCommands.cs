using System.CommandLine;
using System.Runtime.InteropServices;
using KdLabs.Notebooks.Execution;
using KdLabs.Notebooks.Parameters;
using Spectre.Console;

namespace KdLabs.Cli;

/// <summary><c>kdlabs run</c> and <c>kdlabs course</c> (with <c>--time</c>, timed into docs/benchmarks.md): notebooks executed headlessly by the kit's runner.</summary>
internal static class NotebookCommands
{
    public static IEnumerable<Command> Create()
    {
        var notebook = new Argument<string>("notebook") { Description = "The .ipynb or .dib file to run." };
        var parameters = new Option<string[]>("--parameter", "-p") { Description = "name=value for the notebook's parameters cell (repeatable).", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string>("--out") { Description = "Folder for the executed notebook and its HTML page.", DefaultValueFactory = _ => Path.Combine("runs", "notebooks") }.NamesPath();
        var cellTimeout = new Option<double?>("--cell-timeout") { Description = "Stop a cell that runs longer than this many seconds (error output, run fails); one hour by default. Cells get no console input: Console.ReadLine() in a cell fails at once with a message saying so.", DefaultValueFactory = _ => NotebookRunRequest.DefaultCellTimeout.TotalSeconds }.WithinExclusive(0, MaxSeconds, "seconds");
        var timeout = new Option<double?>("--timeout") { Description = "Stop the notebook when it runs longer than this many seconds in total. Default: no limit." }.WithinExclusive(0, MaxSeconds, "seconds");
        var inProcess = new Option<bool>("--in-process") { Description = "Run the cells in this process instead of a worker process (faster start; a crashing cell ends the run without its output)." };
        var run = new Command("run", "Run a notebook headlessly: executed .ipynb and a self-contained HTML page out.") { notebook, parameters, output, cellTimeout, timeout, inProcess };
        run.SetAction((parse, ct) => GuardAsync(async () =>
        {
            string notebookPath = ExistingNotebook(parse.GetValue(notebook)!);
            string outputDirectory = parse.GetValue(output)!;
            RefuseOutputOverInput(notebookPath, outputDirectory);
            var runParameters = ParseParameters(parse.GetValue(parameters));
            OptionChecks.Checked();
            using var cts = new StopSignals(ct);
            var result = await new NotebookRunner().RunAsync(new NotebookRunRequest
            {
                NotebookPath = notebookPath,
                OutputDirectory = outputDirectory,
                Parameters = runParameters,
                Log = Console.WriteLine,
                CellTimeout = Seconds(parse.GetValue(cellTimeout), "--cell-timeout"),
                Timeout = Seconds(parse.GetValue(timeout), "--timeout"),
                Isolation = parse.GetValue(inProcess) ? NotebookIsolation.InProcess : NotebookIsolation.Worker,
            }, cts.Token);
            Console.WriteLine($"{result.Status} in {result.Duration.TotalSeconds:0.0} s: {result.ExecutedNotebookPath}, {result.HtmlPath}");
            if (result.Error is { } error)
            {
                await Console.Error.WriteLineAsync($"error: {error.Message}");
            }
            return result.Succeeded ? 0 : 1;
        }));

        var folder = new Option<string>("--notebooks") { Description = "Folder of the course's notebooks.", DefaultValueFactory = _ => "notebooks" }.NamesPath();
        var smoke = new Option<bool>("--smoke") { Description = "Set smoke=true in every notebook: small subsets, one epoch, same code path." };
        var courseOut = new Option<string>("--out") { Description = "Folder for executed notebooks, pages and index.html.", DefaultValueFactory = _ => Path.Combine("runs", "course") }.NamesPath();
        var time = new Option<bool>("--time") { Description = "Also time every lesson (wall time, peak memory of the process that ran its cells, teacher trained or cached) and write the table into --benchmarks between its course-time markers." };
        var kernel = new Option<string?>("--kernel") { Description = "With --time: run each lesson by papermill on this installed Jupyter kernel (.net-csharp for .NET Interactive, kdlabs-csharp for the kit's own) instead of the kit's runner, as a learner's frontend would, and write that table between its own markers." };
        var benchmarks = new Option<string>("--benchmarks") { Description = "The page --time writes its table into.", DefaultValueFactory = _ => Path.Combine("docs", "benchmarks.md") }.NamesPath();
        var course = new Command("course", "Run every notebook of the course in order and write an index page.") { folder, smoke, parameters, courseOut, cellTimeout, timeout, time, kernel, benchmarks };
        course.SetAction((parse, ct) => GuardAsync(async () =>
        {
            RefuseOutputIsNotebooks(parse.GetValue(folder)!, parse.GetValue(courseOut)!);
            var values = new Dictionary<string, string>(ParseParameters(parse.GetValue(parameters)));
            if (parse.GetValue(time))
            {
                CourseTiming.RequirePage(parse.GetValue(benchmarks)!);
            }
            if (parse.GetValue(kernel) is { } kernelName && (!parse.GetValue(time) || kernelName.Trim().Length == 0))
            {
                throw new ArgumentException(kernelName.Trim().Length == 0
                    ? "--kernel: give an installed kernel's name, e.g. --kernel .net-csharp (`jupyter kernelspec list` shows them)."
                    : "--kernel times the course on a Jupyter kernel: use it with --time.");
            }
            OptionChecks.Checked();
            using var cts = new StopSignals(ct);
            if (parse.GetValue(smoke))
            {
                values["smoke"] = "true";
            }
            var limits = new NotebookLimits(Seconds(parse.GetValue(cellTimeout), "--cell-timeout"), Seconds(parse.GetValue(timeout), "--timeout"));
            if (parse.GetValue(kernel) is { } onKernel)
            {
                string page = parse.GetValue(benchmarks)!;
                string command = "kdlabs " + string.Join(' ', parse.Tokens.Select(t => t.Value));
                var rows = await KernelCourseTiming.RunAsync(parse.GetValue(folder)!, Path.Combine(parse.GetValue(courseOut)!, onKernel), onKernel, values,
                    Seconds(parse.GetValue(timeout), "--timeout"), page, command, Console.WriteLine, cts.Token);
                WriteTimings(rows);
                Console.WriteLine($"table written into {page}");
                return rows.All(r => r.Status == RunStatus.Succeeded) ? 0 : 1;
            }
            CourseRunResult result;
            if (parse.GetValue(time))
            {
                string page = parse.GetValue(benchmarks)!;
                string command = "kdlabs " + string.Join(' ', parse.Tokens.Select(t => t.Value));
                (result, var rows) = await CourseTiming.RunAsync(parse.GetValue(folder)!, parse.GetValue(courseOut)!, values, limits, page, command, Console.WriteLine, cts.Token);
                WriteTimings(rows);
                Console.WriteLine($"table written into {page}");
            }
            else
            {
                result = await CourseRunner.RunAsync(parse.GetValue(folder)!, parse.GetValue(courseOut)!, values, Console.WriteLine, cts.Token, limits);
                var table = new Table().Border(TableBorder.Rounded).AddColumns("Notebook", "Status", "Time (s)");
                foreach (var nb in result.Notebooks)
                {
                    table.AddRow(Markup.Escape(Path.GetFileName(nb.ExecutedNotebookPath ?? "")), nb.Status.ToString(), nb.Duration.TotalSeconds.ToString("0.0"));
                }
                AnsiConsole.Write(table);
            }
            Console.WriteLine($"index: {result.IndexPath}");
            return result.Succeeded ? 0 : 1;
        }));
        return [run, course];
    }

    private static void WriteTimings(IReadOnlyList<LessonTiming> rows)
    {
        var timed = new Table().Border(TableBorder.Rounded).AddColumns("Lesson", "Status", "Time (s)", "Peak memory (MB)", "Teacher");
        foreach (var row in rows)
        {
            timed.AddRow(Markup.Escape(row.Lesson), row.Status.ToString(), row.Wall.TotalSeconds.ToString("0.0"),
                row.PeakBytes is { } b ? (b / (1024.0 * 1024)).ToString("0") : "-", Markup.Escape(row.Teacher));
        }
        AnsiConsole.Write(timed);
    }

    private static Dictionary<string, string> ParseParameters(string[]? pairs)
    {
        var values = new Dictionary<string, string>();
        foreach (var pair in pairs ?? [])
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0 || pair[..eq].Trim().Length == 0)
            {
                throw new ArgumentException($"-p {pair}: expected name=value, e.g. -p alpha=0.7.");
            }
            values[pair[..eq].Trim()] = pair[(eq + 1)..];
        }
        return values;
    }

    // A limit past this many seconds (about 115 days) is a typo, and TimeSpan overflows not far above it.
    private const double MaxSeconds = 1e7;

    private static TimeSpan? Seconds(double? value, string option) => value switch
    {
        null => null,
        > 0 and < 1e7 => TimeSpan.FromSeconds(value.Value),
        _ => throw new ArgumentException($"{option} {value}: expected a number of seconds above 0, e.g. {option} 600."),
    };

    /// <summary>
    /// Ctrl+C and SIGTERM stop the running cell and let the runner write what ran (the executed notebook with a note,
    /// and its HTML page) before the process exits; a second signal ends the process at once.
    /// </summary>
    private sealed class StopSignals : IDisposable
    {
        private readonly CancellationTokenSource _cts;
        private readonly PosixSignalRegistration? _sigterm;
        private int _signals;

        public StopSignals(CancellationToken outer)
        {
            _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
            Console.CancelKeyPress += (_, e) => e.Cancel = Stop("Ctrl+C");
            try
            {
                _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => context.Cancel = Stop("SIGTERM"));
            }
            catch (PlatformNotSupportedException)
            {
                _sigterm = null;
            }
        }

        public CancellationToken Token => _cts.Token;

        private bool Stop(string signal)
        {
            if (Interlocked.Increment(ref _signals) > 1)
            {
                return false; // the second one: let it end the process
            }

            Console.Error.WriteLine($"{signal}: stopping the current cell; the executed notebook is written with what ran (again to end at once)...");
            _cts.Cancel();
            return true;
        }

        public void Dispose()
        {
            _sigterm?.Dispose();
            _cts.Dispose();
        }
    }

    // The CLI's checks of what was typed, before the runner: thrown here, they are argument errors (CliErrors.IsOptionError),
    // while the runner's own ArgumentExceptions are a library called wrongly, a bug like any other.
    private static string ExistingNotebook(string path)
    {
        if (!File.Exists(path))
        {
            throw new ArgumentException($"{path}: no such notebook file; give the path of a .ipynb or .dib file.");
        }
        // A FIFO would block the runner's read forever, a device would never end: refused before either.
        Infrastructure.RegularFile.Require(path, "notebook", "Give the path of a .ipynb or .dib file.");
        return path;
    }

    private static void RefuseOutputOverInput(string notebookPath, string output)
    {
        string input = Path.GetFullPath(notebookPath);
        if (string.Equals(Path.Combine(Path.GetFullPath(output), Path.GetFileNameWithoutExtension(input) + ".ipynb"), input, StringComparison.Ordinal))
        {
            throw new ArgumentException($"--out {output}: the executed notebook would overwrite the input notebook {notebookPath}; choose another folder with --out.");
        }
    }

    private static void RefuseOutputIsNotebooks(string notebooks, string output)
    {
        if (string.Equals(Path.GetFullPath(notebooks).TrimEnd('/', '\\'), Path.GetFullPath(output).TrimEnd('/', '\\'), StringComparison.Ordinal))
        {
            throw new ArgumentException($"--out {output}: the output folder must differ from the notebooks folder (--notebooks {notebooks}); choose another folder with --out.");
        }
    }

    /// <summary>
    /// The notebook commands' errors, classified as every command's (<see cref="CliErrors.Report"/>): a bad <c>-p</c> or
    /// a typed path the CLI refused exits 2, a malformed notebook or an unusable <c>--out</c> exits 1, and anything else,
    /// an <see cref="ArgumentException"/> or <see cref="FormatException"/> from deep inside a library included, is a
    /// bug that keeps its stack trace and exits 70.
    /// </summary>
    internal static async Task<int> GuardAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (ParameterException e)
        {
            // A -p the notebook does not declare, or a value that does not parse: the notebook runner's own type.
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return CliErrors.BadArguments;
        }
        catch (FormatException e) when (CliErrors.IsThrownByKit(e))
        {
            // A malformed notebook, as the kit's reader words it (naming the file); a runtime's FormatException is a bug.
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return CliErrors.BadData;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return CliErrors.Report(e);
        }
    }
}
