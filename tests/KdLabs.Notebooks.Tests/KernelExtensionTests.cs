using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KdLabs.Notebooks.Tests;

/// <summary>
/// The KdLabs kernel extension (src/KdLabs.Interactive) on the real .NET Interactive kernel, through papermill: a small
/// notebook restores the KdLabs package from the kdlabs-local source that <c>./kdlabs setup</c> registers.
/// </summary>
public partial class KernelExtensionTests
{
    private const string Setup = "#r \"nuget: KdLabs, 0.1.0\"\n#r \"nuget: TorchSharp-cpu, 0.107.0\"\nusing TorchSharp;\n1";

    // One kernel run for the display tests: a list and a tensor shown, mutated and shown again; two cells with charts.
    private static readonly Lazy<Task<List<JsonNode>>> Displays = new(() => RunOnRealKernelAsync(
        Setup,
        "var xs = new List<int> { 11, 22 };\ndisplay(xs);\nxs.Add(33);\ndisplay(xs);",
        "var t = torch.zeros(3);\ndisplay(t);\nt.add_(7);\ndisplay(t);",
        "var a = Plotly.NET.CSharp.Chart.Line<int, int, string>(x: new[] { 1, 2 }, y: new[] { 3, 4 });\n"
            + "var b = Plotly.NET.CSharp.Chart.Line<int, int, string>(x: new[] { 1, 2 }, y: new[] { 5, 6 });\ndisplay(a);\ndisplay(b);",
        "Plotly.NET.CSharp.Chart.Line<int, int, string>(x: new[] { 1, 2 }, y: new[] { 7, 8 })"));

    [Fact]
    public async Task AListShownAgainAfterAddShowsItsNewItems()
    {
        var list = Rich((await Displays.Value)[1]);
        Assert.Equal(2, list.Count);
        Assert.DoesNotContain("33", RealKernelLessonTests.Mime(list[0], "text/plain"));
        Assert.Contains("33", RealKernelLessonTests.Mime(list[1], "text/plain"));
        Assert.Contains("33", RealKernelLessonTests.Mime(list[1], "text/html"));
    }

    [Fact]
    public async Task ATensorShownAgainAfterAnInPlaceOpShowsItsNewValues()
    {
        var tensor = Rich((await Displays.Value)[2]);
        Assert.Equal(2, tensor.Count);
        Assert.DoesNotContain("7", RealKernelLessonTests.Mime(tensor[0], "text/plain"));
        Assert.Contains("7", RealKernelLessonTests.Mime(tensor[1], "text/plain"));
    }

    [Fact]
    public async Task TheFirstChartOfEachCellCarriesPlotlyJs()
    {
        // Not once per kernel process: the output that carried it may be gone from the saved notebook (cell re-run,
        // output cleared), and charts relying on it would be blank when reopened or converted with nbconvert.
        var cells = await Displays.Value;
        var charts = Rich(cells[3]);
        Assert.Equal(2, charts.Count);
        Assert.Equal(1, Libraries(charts[0]));
        Assert.Equal(0, Libraries(charts[1]));
        Assert.Contains("Plotly.newPlot", RealKernelLessonTests.Mime(charts[1], "text/html"));
        Assert.Equal("Plotly chart", RealKernelLessonTests.Mime(charts[1], "text/plain"));
        var next = Rich(cells[4]);
        Assert.Single(next);
        Assert.Equal(1, Libraries(next[0]));
        Assert.Contains("Plotly.newPlot", RealKernelLessonTests.Mime(next[0], "text/html"));
    }

    /// <summary>
    /// The kit's formatter is compiled against 0.23.1, but every Microsoft.Data.Analysis release has assembly version
    /// 1.0.0.0, so the runtime binds it to the release the notebook pins, and 0.24.0 has every member it calls.
    /// </summary>
    [Theory]
    [InlineData("0.23.1")]
    [InlineData("0.24.0")]
    public async Task DataFramesOfTheKitsReleaseAndTheNextGetTheKitsTable(string version)
    {
        var cells = await RunOnRealKernelAsync(Setup, DataFrameCell(version));
        var shown = Rich(cells[1]);
        Assert.Single(shown);
        Assert.StartsWith("DataFrame: 2 rows, 1 columns", RealKernelLessonTests.Mime(shown[0], "text/plain"));
        Assert.Contains("<table", RealKernelLessonTests.Mime(shown[0], "text/html"));
    }

    private static string DataFrameCell(string version) =>
        $"#r \"nuget: Microsoft.Data.Analysis, {version}\"\nusing Microsoft.Data.Analysis;\n"
        + "display(new DataFrame(new PrimitiveDataFrameColumn<int>(\"a\", new[] { 1, 2 })));";

    private static int Libraries(JsonNode output) => PlotlyLibrary().Matches(RealKernelLessonTests.Mime(output, "text/html")).Count;

    private static List<JsonNode> Rich(JsonNode cell) => RealKernelLessonTests.Rich(cell).Where(o => !RealKernelLessonTests.KernelsOwn(o)).ToList();

    /// <summary>Runs the cells on the real kernel; returns the executed code cells, after checking none failed.</summary>
    private static async Task<List<JsonNode>> RunOnRealKernelAsync(params string[] cells)
    {
        using var dir = new TempDirectory();
        string input = TestNotebooks.Write(dir, "kernel.ipynb", cells), output = dir.File("kernel-out.ipynb");
        var run = await RealKernel.PapermillAsync(input, output, dir.Path, TimeSpan.FromMinutes(10));
        Assert.True(run.ExitCode == 0 && File.Exists(output), $"papermill exit {run.ExitCode}:\n{RealKernelLessonTests.Tail(run.Log)}");
        var executed = RealKernelLessonTests.CodeCells(JsonNode.Parse(await File.ReadAllTextAsync(output))!);
        var errors = executed.SelectMany(RealKernelLessonTests.Outputs).Where(o => (string?)o["output_type"] == "error")
            .Select(o => $"{o["ename"]}: {o["evalue"]}").ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.Equal(cells.Length, executed.Count);
        return executed;
    }

    [GeneratedRegex("data-kdlabs-library=\"plotly.js\"")]
    private static partial Regex PlotlyLibrary();
}
