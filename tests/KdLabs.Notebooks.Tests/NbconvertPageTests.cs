using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace KdLabs.Notebooks.Tests;

/// <summary>
/// The kit's runner's executed lessons render where people look: `jupyter nbconvert --to html` of each, opened in
/// headless Chromium with every network host unresolvable, draws every chart (Plotly's SVG in each chart's div), and
/// a screenshot is taken.
/// </summary>
public partial class NbconvertPageTests(ITestOutputHelper output)
{
    public static TheoryData<string> Lessons() => CourseNotebookTests.Lessons();

    [Theory]
    [MemberData(nameof(Lessons))]
    public async Task ExecutedLessonDrawsItsChartsInTheNbconvertPage(string notebook)
    {
        var kit = await LessonRuns.KitAsync(notebook);
        Assert.True(kit.Succeeded, kit.Error?.Message);
        int charts = RealKernelLessonTests.CodeCells(JsonNode.Parse(File.ReadAllText(kit.ExecutedNotebookPath!))!)
            .SelectMany(RealKernelLessonTests.Rich)
            .Count(o => RealKernelLessonTests.Mime(o, "text/html").Contains("Plotly.newPlot", StringComparison.Ordinal));
        Assert.True(charts > 0, $"{notebook} shows no chart in the kit's runner");

        string dir = Path.Combine(Path.GetDirectoryName(kit.ExecutedNotebookPath!)!, "nbconvert");
        Directory.CreateDirectory(dir);
        var (converted, log) = await RunAsync("jupyter", ["nbconvert", "--to", "html", "--output-dir", dir, kit.ExecutedNotebookPath!], TimeSpan.FromMinutes(3));
        string page = Path.Combine(dir, Path.ChangeExtension(Path.GetFileName(kit.ExecutedNotebookPath!), ".html"));
        Assert.True(converted == 0 && File.Exists(page), $"nbconvert failed (exit {converted}):\n{log}");

        string screenshot = Path.ChangeExtension(page, ".png");
        string[] offline = ["--headless", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=30000", "--window-size=1200,4000"];
        var (dumped, dom) = await RunAsync(Chromium(), [.. offline, "--dump-dom", new Uri(page).AbsoluteUri], TimeSpan.FromMinutes(3));
        Assert.True(dumped == 0, $"chromium --dump-dom failed (exit {dumped}):\n{Tail(dom)}");
        int drawn = DrawnChart().Matches(dom).Count, svgs = MainSvg().Matches(dom).Count;
        Assert.True(drawn == charts && svgs >= charts, $"{notebook}: {drawn} of {charts} chart divs drawn ({svgs} Plotly SVGs) in the nbconvert page {page}");

        var (shot, shotLog) = await RunAsync(Chromium(), [.. offline, $"--screenshot={screenshot}", new Uri(page).AbsoluteUri], TimeSpan.FromMinutes(3));
        Assert.True(shot == 0 && new FileInfo(screenshot).Length > 10_000, $"no screenshot (exit {shot}):\n{Tail(shotLog)}");
        output.WriteLine($"{notebook}: nbconvert page {page}: {drawn}/{charts} charts drawn offline; screenshot {screenshot}");
    }

    /// <summary>Every lesson file validates against the nbformat 4.5 schema (Jupyter's own validator, as papermill uses it).</summary>
    [Fact]
    public async Task LessonsValidateAgainstNbformat45()
    {
        // The interpreter papermill runs on has nbformat (it is a papermill dependency).
        string python = File.ReadLines(RealKernel.Papermill()).First().TrimStart('#', '!').Trim().Split(' ')[0];
        string script = "import nbformat,sys\nfor f in sys.argv[1:]:\n nb=nbformat.read(f,as_version=nbformat.NO_CONVERT)\n "
            + "assert (nb.nbformat,nb.nbformat_minor)==(4,5),f\n nbformat.validate(nb,version=4,version_minor=5)\n print('valid',f)";
        var lessons = Directory.GetFiles(LessonRuns.NotebooksDirectory, "*.ipynb").Order(StringComparer.Ordinal).ToArray();
        var (code, log) = await RunAsync(python, ["-c", script, .. lessons], TimeSpan.FromMinutes(2));
        Assert.True(code == 0, log);
        Assert.Equal(lessons.Length, log.Split('\n').Count(l => l.StartsWith("valid ", StringComparison.Ordinal)));
        output.WriteLine(log.Trim());
    }

    private static string Chromium()
    {
        var found = new[] { "chromium", "chromium-browser", "google-chrome" }
            .SelectMany(n => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, n)))
            .FirstOrDefault(File.Exists);
        Assert.True(found is not null, "chromium not found. " + RealKernel.SetupHint);
        return found!;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args, TimeSpan timeout)
    {
        var (exitCode, output, _) = await ChildProcess.RunAsync(new ProcessStartInfo(file, args), timeout);
        return (exitCode, output);
    }

    private static string Tail(string text) => text.Length > 3000 ? text[^3000..] : text;

    // A chart Plotly drew: newPlot gives its div the js-plotly-plot class and puts <svg class="main-svg"> elements inside.
    [GeneratedRegex("<div[^>]*\\bclass=\"[^\"]*\\bjs-plotly-plot\\b")]
    private static partial Regex DrawnChart();

    [GeneratedRegex("<svg[^>]*\\bclass=\"main-svg\"")]
    private static partial Regex MainSvg();
}
