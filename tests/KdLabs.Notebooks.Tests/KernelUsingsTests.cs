using System.Diagnostics;
using System.Text.Json.Nodes;
using KdLabs.Notebooks.Execution;

namespace KdLabs.Notebooks.Tests;

/// <summary>
/// Probes of the real C# kernel, in one papermill run: first one cell per candidate namespace naming a type from it
/// unqualified (before anything is imported), then a lesson's setup cell, a cell listing the torch libraries the
/// kernel process mapped, and DataFrames before and after the notebook loads Microsoft.Data.Analysis itself.
/// </summary>
public class KernelUsingsTests
{
    private static readonly Lazy<Task<List<JsonNode>>> Probe = new(RunProbeAsync);

    private static readonly (string Namespace, string Type)[] Candidates =
    [
        ("System", "Console"), ("System.Text", "StringBuilder"), ("System.Collections", "ArrayList"),
        ("System.Collections.Generic", "List<int>"), ("System.Threading.Tasks", "Task"), ("System.Linq", "Enumerable"),
        ("System.IO", "File"), ("System.Threading", "Interlocked"), ("System.Diagnostics", "Stopwatch"),
        ("System.Globalization", "CultureInfo"), ("System.Net.Http", "HttpClient"), ("System.Text.Json", "JsonSerializer"),
        ("System.Numerics", "BigInteger"), ("System.Text.RegularExpressions", "Regex"),
    ];

    /// <summary>
    /// The kit's runner imports exactly what the real kernel imports by default: the namespaces whose probe cell
    /// compiles are <see cref="ScriptSession.DefaultUsings"/> on the real kernel and in the kit's runner.
    /// </summary>
    [Fact]
    public async Task KitRunnerDefaultUsingsAreTheRealKernels()
    {
        using var dir = new TempDirectory();
        var kernelCells = await Probe.Value;
        var kernelImports = Candidates.Where((_, i) => RealKernelLessonTests.Outputs(kernelCells[i]).All(o => (string?)o["output_type"] != "error"))
            .Select(c => c.Namespace).Order(StringComparer.Ordinal).ToList();
        var expected = ScriptSession.DefaultUsings.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, kernelImports);

        // The kit's runner on the same probe (it stops at the first failing cell, so one cell at a time).
        var kitImports = new List<string>();
        foreach (var (ns, type) in Candidates)
        {
            string single = dir.File($"kit-{ns}.ipynb");
            File.WriteAllText(single, ProbeNotebook([Cell("probe", $"typeof({type}).FullName")]).ToJsonString());
            var result = await new NotebookRunner().RunAsync(new NotebookRunRequest { NotebookPath = single, OutputDirectory = dir.File($"kit-out-{ns}") }, CancellationToken.None);
            if (result.Succeeded)
            {
                kitImports.Add(ns);
            }
        }
        Assert.Equal(expected, kitImports.Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// TorchSharp in the kernel runs on its own libtorch (the libtorch-cpu package's), never on a system libtorch such as
    /// Debian's python3-torch (libtorch_cpu.so.1.13), whichever is installed.
    /// </summary>
    [Fact]
    public async Task KernelLoadsTorchSharpsOwnLibtorch()
    {
        var cells = await Probe.Value;
        var setup = cells[Candidates.Length];
        Assert.DoesNotContain(RealKernelLessonTests.Outputs(setup), o => (string?)o["output_type"] == "error");
        var maps = cells[Candidates.Length + 1];
        var result = RealKernelLessonTests.Rich(maps).Single(o => (string?)o["output_type"] == "execute_result");
        var libraries = RealKernelLessonTests.Mime(result, "text/plain").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(libraries, l => l.EndsWith("/libtorch_cpu.so", StringComparison.Ordinal));
        foreach (var library in libraries)
        {
            Assert.True(library.Contains("/libtorch-cpu-", StringComparison.Ordinal) || library.Contains("/torchsharp/", StringComparison.Ordinal),
                $"the kernel loaded {library}, not TorchSharp's own libtorch; all: {string.Join(", ", libraries)}");
        }
    }

    /// <summary>
    /// Microsoft.Data.Analysis is not a dependency of the KdLabs package (the library does not use it): a lesson's setup
    /// does not load it, and a notebook that loads it itself gets DataFrames shown as tables (the kit's text, the
    /// package's own HTML).
    /// </summary>
    [Fact]
    public async Task DataFramesAreTheNotebooksOwnPackageAndGetTheKitsTable()
    {
        var cells = await Probe.Value;
        int first = Candidates.Length + 2;
        var loaded = RealKernelLessonTests.Rich(cells[first]).Single(o => (string?)o["output_type"] == "execute_result");
        Assert.Contains("<pre>False</pre>", RealKernelLessonTests.Mime(loaded, "text/html"));
        Assert.DoesNotContain(RealKernelLessonTests.Outputs(cells[first + 1]), o => (string?)o["output_type"] == "error");
        var table = RealKernelLessonTests.Rich(cells[first + 2]).Single(o => (string?)o["output_type"] == "execute_result");
        // text/plain is the kit's (registered when the package loads); text/html is the package's own kernel extension's
        // table, which it registers after that and which therefore wins in this kernel.
        Assert.StartsWith("DataFrame: 3 rows, 1 columns", RealKernelLessonTests.Mime(table, "text/plain"));
        Assert.Contains("<th>epoch</th>", RealKernelLessonTests.Mime(table, "text/html"));
    }

    private static JsonObject ProbeNotebook(IEnumerable<JsonNode> cells) => new()
    {
        ["nbformat"] = 4, ["nbformat_minor"] = 5, ["cells"] = new JsonArray([.. cells]),
        ["metadata"] = new JsonObject
        {
            ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = RealKernel.KernelName },
            ["language_info"] = new JsonObject { ["name"] = "C#" },
        },
    };

    private static JsonObject Cell(string id, string source, bool raises = false) => new()
    {
        ["cell_type"] = "code", ["id"] = id, ["execution_count"] = null, ["outputs"] = new JsonArray(),
        ["metadata"] = raises ? new JsonObject { ["tags"] = new JsonArray("raises-exception") } : new JsonObject(),
        ["source"] = source,
    };

    private static async Task<List<JsonNode>> RunProbeAsync()
    {
        string dir = Path.Combine(Path.GetTempPath(), "kdlabs-kernel-tests", "probe-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        var lesson = JsonNode.Parse(File.ReadAllText(Path.Combine(LessonRuns.NotebooksDirectory, "01-temperature-softening.ipynb")))!;
        string setup = string.Concat(lesson["cells"]!.AsArray().Select(c => c!["source"]!.AsArray()).Select(s => string.Concat(s.Select(l => (string?)l)))
            .First(s => s.StartsWith("// Lesson setup", StringComparison.Ordinal)));
        var cells = Candidates.Select((c, i) => (JsonNode)Cell($"probe{i}", $"typeof({c.Type}).FullName", raises: true)).ToList();
        cells.Add(Cell("setup", setup));
        cells.Add(Cell("maps", "torch.ones(1).Dispose();\nstring.Join(\"\\n\", System.IO.File.ReadLines(\"/proc/self/maps\").Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Last())"
            + ".Where(p => p.Contains(\"libtorch\") || p.Contains(\"libc10\")).Distinct())"));
        cells.Add(Cell("mda-loaded", "AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == \"Microsoft.Data.Analysis\")"));
        cells.Add(Cell("mda-ref", "#r \"nuget: Microsoft.Data.Analysis, 0.23.1\""));
        cells.Add(Cell("mda-table", "new Microsoft.Data.Analysis.DataFrame(new Microsoft.Data.Analysis.PrimitiveDataFrameColumn<int>(\"epoch\", new[] { 1, 2, 3 }))"));
        string probe = Path.Combine(dir, "probe.ipynb"), output = Path.Combine(dir, "probe-out.ipynb");
        File.WriteAllText(probe, ProbeNotebook(cells).ToJsonString());
        var run = await RealKernel.PapermillAsync(probe, output, LessonRuns.NotebooksDirectory, TimeSpan.FromMinutes(10));
        Assert.True(File.Exists(output), $"papermill wrote nothing (exit {run.ExitCode}):\n{run.Log}");
        var executed = RealKernelLessonTests.CodeCells(JsonNode.Parse(File.ReadAllText(output))!);
        Assert.Equal(Candidates.Length + 5, executed.Count);
        return executed;
    }
}
