using System.Text.Json.Nodes;
using KdLabs.Notebooks.Execution;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace KdLabs.Notebooks.Tests;

/// <summary>
/// Every lesson runs in smoke mode on the real .NET Interactive kernel (papermill on <c>.net-csharp</c>), with no error
/// output, and shows what the kit's runner shows: per cell the same kinds of output with the same MIME types, every
/// chart drawn offline (a plotly div, plotly.js inlined, no CDN), every table with the same columns.
/// </summary>
public partial class RealKernelLessonTests(ITestOutputHelper output)
{
    public static TheoryData<string> Lessons() => CourseNotebookTests.Lessons();

    [Theory]
    [MemberData(nameof(Lessons))]
    public async Task LessonRunsOnTheRealKernelAsInTheKitsRunner(string notebook)
    {
        var kernelTask = LessonRuns.KernelAsync(notebook);
        var kit = await LessonRuns.KitAsync(notebook);
        AssertSameAsRunner(notebook, kit, await kernelTask, "the real kernel", output);
    }

    /// <summary>
    /// A kernel's papermill run of a lesson shows what the kit's runner shows: no error output, no compiler warning,
    /// papermill exit 0, per cell the same kinds of output and MIME types, charts drawn offline, tables with the same columns.
    /// </summary>
    internal static void AssertSameAsRunner(string notebook, NotebookRunResult kit, KernelRun kernel, string kernelLabel, ITestOutputHelper output)
    {
        Assert.True(kit.Succeeded, kit.Error?.Message);
        Assert.True(kernel.Executed is not null, $"papermill wrote no notebook for {notebook} (exit {kernel.ExitCode}):\n{Tail(kernel.Log)}");

        var kernelCells = CodeCells(kernel.Executed!);
        var errors = kernelCells.SelectMany(c => Outputs(c).Where(o => (string?)o["output_type"] == "error")
            .Select(o => $"cell {c["id"]}: {o["ename"]}: {o["evalue"]}")).ToList();
        Assert.True(errors.Count == 0, $"{notebook} on {kernelLabel}:\n{string.Join("\n", errors)}");
        var warnings = kernelCells.SelectMany(c => Outputs(c).Where(o => Text(o).Contains("warning CS", StringComparison.Ordinal))
            .Select(o => $"cell {c["id"]}: {Text(o)}")).ToList();
        Assert.True(warnings.Count == 0, $"{notebook} shows compiler warnings on {kernelLabel}:\n{string.Join("\n", warnings)}");
        Assert.True(kernel.ExitCode == 0, $"papermill exit {kernel.ExitCode} on {notebook}:\n{Tail(kernel.Log)}");

        var kitCells = CodeCells(JsonNode.Parse(File.ReadAllText(kit.ExecutedNotebookPath!))!).ToDictionary(c => (string)c["id"]!);
        int charts = 0, tables = 0, compared = 0;
        foreach (var cell in kernelCells)
        {
            string id = (string)cell["id"]!;
            if (!kitCells.TryGetValue(id, out var kitCell))
            {
                continue; // papermill's injected-parameters cell (the kit's runner binds parameters in place)
            }

            compared++;

            var kernelRich = Rich(cell).Where(o => !KernelsOwn(o)).ToList();
            if (Source(cell).StartsWith("// Lesson setup", StringComparison.Ordinal))
            {
                // The kernel adds its own outputs here (installed packages, extensions loaded); the check's line must be ✓.
                var check = kernelRich.LastOrDefault(o => (string?)o["output_type"] == "execute_result");
                Assert.True(check is not null && Mime(check, "text/plain").StartsWith('✓'), $"{notebook}: setup cell did not pass KitCheck: {(check is null ? "no result" : Mime(check, "text/plain"))}");
                // `kdlabs setup` (run by ./test.sh) gave the kernelspec the kit's compute environment; without it lessons run slower.
                Assert.DoesNotContain(KdLabs.Course.KitCheck.ComputeEnvironmentHint, Mime(check!, "text/plain"), StringComparison.Ordinal);
                continue;
            }

            var kitRich = Rich(kitCell);
            Assert.True(Shape(kitRich) == Shape(kernelRich),
                $"{notebook} cell {id}: kit's runner shows [{Shape(kitRich)}], {kernelLabel} [{Shape(kernelRich)}]");
            for (int i = 0; i < kitRich.Count; i++)
            {
                string kitHtml = Mime(kitRich[i], "text/html"), kernelHtml = Mime(kernelRich[i], "text/html");
                if (kitHtml.Contains("Plotly.newPlot", StringComparison.Ordinal))
                {
                    charts++;
                    AssertOfflineChart(notebook, id, kernelHtml);
                }
                if (kitHtml.Contains("<table", StringComparison.Ordinal))
                {
                    tables++;
                    Assert.True(Header(kitHtml) == Header(kernelHtml), $"{notebook} cell {id}: table columns differ: kit {Header(kitHtml)} vs kernel {Header(kernelHtml)}");
                }
            }
        }

        // Every code cell of the lesson was compared: a cell whose id differs between the two runs must not be skipped silently.
        int lessonCodeCells = CodeCells(JsonNode.Parse(File.ReadAllText(Path.Combine(LessonRuns.NotebooksDirectory, notebook)))!).Count;
        Assert.True(compared == lessonCodeCells, $"{notebook}: compared {compared} cells of the two runs, the lesson has {lessonCodeCells} code cells (ids missing from one run?)");

        output.WriteLine($"{notebook}: {kernelLabel} {kernel.Duration.TotalSeconds:0} s (papermill, smoke), {kernelCells.Count} code cells, 0 errors, {charts} charts drawn offline, {tables} column tables, same MIME types per cell as the kit's runner");
    }

    private static void AssertOfflineChart(string notebook, string id, string html)
    {
        Assert.True(html.Contains("Plotly.newPlot", StringComparison.Ordinal) && PlotlyDiv().IsMatch(html), $"{notebook} cell {id}: no plotly chart in the kernel's HTML output");
        string withoutLibrary = LibraryScript().Replace(html, "");
        Assert.False(RemoteScript().IsMatch(withoutLibrary), $"{notebook} cell {id}: the chart loads a script from the network");
        Assert.DoesNotContain("cdn", withoutLibrary, StringComparison.OrdinalIgnoreCase);
    }

    internal static List<JsonNode> CodeCells(JsonNode notebook) =>
        notebook["cells"]!.AsArray().Where(c => (string?)c!["cell_type"] == "code").Select(c => c!).ToList();

    internal static IEnumerable<JsonNode> Outputs(JsonNode cell) => cell["outputs"]?.AsArray().Select(o => o!) ?? [];

    internal static List<JsonNode> Rich(JsonNode cell) =>
        Outputs(cell).Where(o => (string?)o["output_type"] is "display_data" or "execute_result").ToList();

    /// <summary>
    /// Outputs the kernel adds by itself: its front-end bootstrap script on the first cell run (which fetches require.js
    /// from a CDN when the page has none; the kernel's doing, not the kit's), and in the setup cell the list of installed
    /// packages and one "Loading extensions from" line per package extension.
    /// </summary>
    internal static bool KernelsOwn(JsonNode output) =>
        Mime(output, "text/html").Contains("dotnet-interactive-this-cell", StringComparison.Ordinal)
        || Mime(output, "text/html").Contains("<strong>Installed Packages</strong>", StringComparison.Ordinal)
        || Mime(output, "text/plain").StartsWith("Loading extensions from ", StringComparison.Ordinal);

    internal static string Shape(IEnumerable<JsonNode> outputs) => string.Join("; ", outputs.Select(o =>
        $"{o["output_type"]} {string.Join(",", o["data"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal))}"));

    internal static string Mime(JsonNode output, string mime) => output["data"]?[mime] switch
    {
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        JsonValue value => (string?)value ?? "",
        _ => "",
    };

    private static string Text(JsonNode output) => output["text"] is JsonArray t ? string.Concat(t.Select(l => (string?)l)) : Mime(output, "text/plain");

    private static string Source(JsonNode cell) => cell["source"] is JsonArray s ? string.Concat(s.Select(l => (string?)l)) : (string?)cell["source"] ?? "";

    private static string Header(string html) => Thead().Match(html).Value;

    /// <summary>
    /// A long kernel log's beginning and end: a kernel that dies at start puts its exception's type and message first and
    /// papermill's traceback last, so keeping only the tail hid why the kernel died.
    /// </summary>
    internal static string Tail(string log) => log.Length > 6000 ? $"{log[..2500]}\n[… {log.Length - 6000:N0} characters …]\n{log[^3500..]}" : log;

    [GeneratedRegex("""<div id="[^"]+"><!-- Plotly chart""")]
    private static partial Regex PlotlyDiv();

    [GeneratedRegex("""<script\b[^>]*data-kdlabs-library[^>]*>.*?</script>""", RegexOptions.Singleline)]
    private static partial Regex LibraryScript();

    [GeneratedRegex("""<script\b[^>]*\bsrc\s*=\s*["']?(https?:)?//""", RegexOptions.IgnoreCase)]
    private static partial Regex RemoteScript();

    [GeneratedRegex("<thead>.*?</thead>", RegexOptions.Singleline)]
    private static partial Regex Thead();
}
