using System.CommandLine;
using KdLabs.Notebooks.Execution;
using KdLabs.Notebooks.Parameters;
using Spectre.Console;

namespace KdLabs.Cli;

/// <summary><c>kdlabs run</c> and <c>kdlabs course</c>: notebooks executed headlessly by the kit's runner.</summary>
internal static class NotebookCommands
{
    public static IEnumerable<Command> Create()
    {
        var notebook = new Argument<string>("notebook") { Description = "The .ipynb or .dib file to run." };
        var parameters = new Option<string[]>("--parameter", "-p") { Description = "name=value for the notebook's parameters cell (repeatable).", AllowMultipleArgumentsPerToken = false };
        var output = new Option<string>("--out") { Description = "Folder for the executed notebook and its HTML page.", DefaultValueFactory = _ => Path.Combine("runs", "notebooks") };
        var run = new Command("run", "Run a notebook headlessly: executed .ipynb and a self-contained HTML page out.") { notebook, parameters, output };
        run.SetAction((parse, ct) => GuardAsync(async () =>
        {
            using var cts = CancelOnCtrlC(ct);
            var result = await new NotebookRunner().RunAsync(new NotebookRunRequest
            {
                NotebookPath = parse.GetValue(notebook)!,
                OutputDirectory = parse.GetValue(output)!,
                Parameters = ParseParameters(parse.GetValue(parameters)),
                Log = Console.WriteLine,
            }, cts.Token);
            Console.WriteLine($"{result.Status} in {result.Duration.TotalSeconds:0.0} s: {result.ExecutedNotebookPath}, {result.HtmlPath}");
            if (result.Error is { } error)
            {
                AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(error.Message)}");
            }
            return result.Succeeded ? 0 : 1;
        }));

        var folder = new Option<string>("--notebooks") { Description = "Folder of the course's notebooks.", DefaultValueFactory = _ => "notebooks" };
        var smoke = new Option<bool>("--smoke") { Description = "Set smoke=true in every notebook: small subsets, one epoch, same code path." };
        var courseOut = new Option<string>("--out") { Description = "Folder for executed notebooks, pages and index.html.", DefaultValueFactory = _ => Path.Combine("runs", "course") };
        var course = new Command("course", "Run every notebook of the course in order and write an index page.") { folder, smoke, parameters, courseOut };
        course.SetAction((parse, ct) => GuardAsync(async () =>
        {
            using var cts = CancelOnCtrlC(ct);
            var values = new Dictionary<string, string>(ParseParameters(parse.GetValue(parameters)));
            if (parse.GetValue(smoke))
            {
                values["smoke"] = "true";
            }
            var result = await CourseRunner.RunAsync(parse.GetValue(folder)!, parse.GetValue(courseOut)!, values, Console.WriteLine, cts.Token);
            var table = new Table().Border(TableBorder.Rounded).AddColumns("Notebook", "Status", "Time (s)");
            foreach (var nb in result.Notebooks)
            {
                table.AddRow(Markup.Escape(Path.GetFileName(nb.ExecutedNotebookPath ?? "")), nb.Status.ToString(), nb.Duration.TotalSeconds.ToString("0.0"));
            }
            AnsiConsole.Write(table);
            Console.WriteLine($"index: {result.IndexPath}");
            return result.Succeeded ? 0 : 1;
        }));
        return [run, course];
    }

    private static Dictionary<string, string> ParseParameters(string[]? pairs)
    {
        var values = new Dictionary<string, string>();
        foreach (var pair in pairs ?? [])
        {
            int eq = pair.IndexOf('=');
            if (eq <= 0)
            {
                throw new ArgumentException($"-p {pair}: expected name=value, e.g. -p alpha=0.7.");
            }
            values[pair[..eq].Trim()] = pair[(eq + 1)..];
        }
        return values;
    }

    private static CancellationTokenSource CancelOnCtrlC(CancellationToken outer)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            Console.Error.WriteLine("stopping after the current cell (Ctrl+C again to kill)...");
            cts.Cancel();
        };
        return cts;
    }

    private static async Task<int> GuardAsync(Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (e is ParameterException or FileNotFoundException or FormatException or ArgumentException)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 2;
        }
    }
}
