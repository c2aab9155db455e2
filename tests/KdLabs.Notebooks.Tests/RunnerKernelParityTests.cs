using KdLabs.Notebooks.Execution;
using KdLabs.Notebooks.Format;
using KdLabs.Notebooks.Formatting;

namespace KdLabs.Notebooks.Tests;

/// <summary>
/// The runner gives a cell nothing the .NET Interactive C# kernel does not: no package before its #r, none of the
/// runner's own assemblies, no runner-only globals, the kernel's C# version; and it accepts what the kernel accepts
/// (#region, the notebook's folder as working directory, a null result shown as &lt;null&gt;).
/// </summary>
public class RunnerKernelParityTests
{
    private static async Task<ScriptSession> StartSessionAsync(TempDirectory dir)
    {
        var session = new ScriptSession(new NotebookGlobals(FormatterRegistry.CreateDefault(), new FormatContext()), dir.Path);
        await session.StartAsync(CancellationToken.None);
        return session;
    }

    /// <summary>The compile errors of <paramref name="code"/>, or null when it compiles and runs.</summary>
    private static async Task<string?> CompileErrorAsync(ScriptSession session, TempDirectory dir, string code)
    {
        var outcome = await session.RunCellAsync(code, dir.File("cell.csx"), CancellationToken.None);
        Assert.Null(outcome.Exception);
        return outcome.CompileErrors.Count > 0 ? string.Join("\n", outcome.CompileErrors) : null;
    }

    private static void Reference(ScriptSession session, TempDirectory dir, string directive)
    {
        foreach (var path in CellPreprocessor.Prepare(directive, dir.Path).ReferencePaths)
        {
            session.AddReference(path);
        }
    }

    private static readonly string[] KdLabsClosure =
    [
        "typeof(TorchSharp.torch)",
        "typeof(Plotly.NET.GenericChart)",
        "typeof(Plotly.NET.CSharp.Chart)",
        "typeof(SkiaSharp.SKBitmap)",
        "typeof(KdLabs.Infrastructure.KdLabsPaths)",
    ];

    private static readonly string[] RunnerInternals =
    [
        "typeof(Markdig.Markdown)",
        "typeof(Microsoft.CodeAnalysis.SyntaxTree)",
        "typeof(Microsoft.CodeAnalysis.CSharp.Scripting.CSharpScript)",
        "typeof(KdLabs.Notebooks.Execution.NotebookRunner)",
        "typeof(KdLabs.Notebooks.Formatting.FormatterRegistry)",
        "Formatters",
        "CancellationToken.IsCancellationRequested",
    ];

    [Fact]
    public async Task ACellSeesTheFrameworkOnlyUntilAPackageIsReferencedAndThenItsDependencies()
    {
        using var dir = new TempDirectory();
        var session = await StartSessionAsync(dir);

        Assert.Null(await CompileErrorAsync(session, dir, "typeof(System.Text.Json.JsonSerializer).Name + typeof(System.Net.Http.HttpClient).Name"));
        foreach (var code in KdLabsClosure.Append("typeof(Microsoft.Data.Analysis.DataFrame)"))
        {
            Assert.True(await CompileErrorAsync(session, dir, code) is { } error && (error.Contains("CS0246") || error.Contains("CS0234")), $"{code} compiled with no #r");
        }

        // As NuGet restores it in the kernel: KdLabs brings TorchSharp, Plotly.NET (+ .CSharp) and SkiaSharp, not Microsoft.Data.Analysis.
        Reference(session, dir, $"#r \"nuget: KdLabs, {ProvidedPackages.Find("KdLabs")!.Version}\"");
        foreach (var code in KdLabsClosure)
        {
            Assert.Null(await CompileErrorAsync(session, dir, code));
        }

        Assert.NotNull(await CompileErrorAsync(session, dir, "typeof(Microsoft.Data.Analysis.DataFrame)"));
        Reference(session, dir, "#r \"nuget: Microsoft.Data.Analysis\"");
        Assert.Null(await CompileErrorAsync(session, dir, "typeof(Microsoft.Data.Analysis.DataFrame)"));
    }

    [Fact]
    public async Task ASinglePackageReferenceBringsThatPackageOnly()
    {
        using var dir = new TempDirectory();
        var session = await StartSessionAsync(dir);
        Reference(session, dir, "#r \"nuget: TorchSharp-cpu\"");

        Assert.Null(await CompileErrorAsync(session, dir, "TorchSharp.torch.ones(2).sum().item<float>()"));
        Assert.NotNull(await CompileErrorAsync(session, dir, "typeof(Plotly.NET.GenericChart)"));
        Assert.NotNull(await CompileErrorAsync(session, dir, "typeof(KdLabs.Infrastructure.KdLabsPaths)"));
    }

    [Fact]
    public async Task TheRunnersOwnAssembliesAndGlobalsAreNeverVisibleToACell()
    {
        using var dir = new TempDirectory();
        var session = await StartSessionAsync(dir);
        foreach (var code in RunnerInternals)
        {
            Assert.True(await CompileErrorAsync(session, dir, code) is not null, $"{code} compiled in a cell; the kernel has no such thing");
        }

        Reference(session, dir, $"#r \"nuget: KdLabs, {ProvidedPackages.Find("KdLabs")!.Version}\"");
        Reference(session, dir, "#r \"nuget: Microsoft.Data.Analysis\"");
        foreach (var code in RunnerInternals)
        {
            Assert.True(await CompileErrorAsync(session, dir, code) is not null, $"{code} compiled in a cell after #r \"nuget: KdLabs\"");
        }

        // The kernel's own helpers stay.
        Assert.Null(await CompileErrorAsync(session, dir, "display(HTML(\"<b>x</b>\"));"));
    }

    [Fact]
    public async Task APackageUsedBeforeItsReferenceOrARunnerOnlyGlobalFailsWithAHint()
    {
        foreach (var (code, hint) in new[]
        {
            ("using TorchSharp;\nvar t = torch.ones(2);", "#r \"nuget: TorchSharp-cpu\""),
            ("var df = new Microsoft.Data.Analysis.DataFrame();", "#r \"nuget: Microsoft.Data.Analysis\""),
            ("while (!CancellationToken.IsCancellationRequested) { }", "display() and HTML() only"),
            ("Formatters.ToString()", "display() and HTML() only"),
        })
        {
            using var dir = new TempDirectory();
            var (result, nb) = await TestNotebooks.RunCells(dir, code);
            Assert.Equal("CompilationError", result.Error?.Ename);
            Assert.Contains(hint, result.Error!.Evalue);
            Assert.Contains(nb.Cells[0].Outputs.OfType<ErrorOutput>().Single().Traceback, l => l.Contains(hint, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task CellsCompileWithTheKernelsCsharpVersion()
    {
        using var dir = new TempDirectory();
        var session = await StartSessionAsync(dir);

        // The installed kernel answers "Language version: latest (14.0)".
        var error = await CompileErrorAsync(session, dir, "#error version");
        Assert.True(error is not null && (error.Contains("Language version: 14.0.", StringComparison.Ordinal) || error.Contains("(14.0)", StringComparison.Ordinal)), error);
    }

    [Fact]
    public void RegionIsCsharpNotADirective()
    {
        using var dir = new TempDirectory();
        var prepared = CellPreprocessor.Prepare("#region setup\nvar r = 1;\n#endregion\nr", dir.Path);
        Assert.Equal("#region setup\nvar r = 1;\n#endregion\nr", prepared.Code);
        Assert.Throws<DirectiveException>(() => CellPreprocessor.Prepare("#r nuget: KdLabs", dir.Path));
        Assert.Throws<DirectiveException>(() => CellPreprocessor.Prepare("#r", dir.Path));
    }

    [Fact]
    public async Task APackageVersionTheKitDoesNotProvideIsADirectiveErrorNamingTheProvidedOne()
    {
        var kdlabs = ProvidedPackages.Find("KdLabs")!.Version;
        using (var dir = new TempDirectory())
        {
            var e = Assert.Throws<DirectiveException>(() => CellPreprocessor.Prepare("// setup\n#r \"nuget: KdLabs, 99.2.0\"", dir.Path));
            Assert.Equal(2, e.Line);
            Assert.Contains("99.2.0", e.Message);
            Assert.Contains($"#r \"nuget: KdLabs, {kdlabs}\"", e.Message);
            Assert.Throws<DirectiveException>(() => CellPreprocessor.Prepare("#r \"nuget: Plotly.NET, 5.0.0\"", dir.Path));

            // The same version written differently, or floating, is the one the kit has.
            var parts = kdlabs.Split('.');
            CellPreprocessor.Prepare($"#r \"nuget: KdLabs, {kdlabs}.0\"", dir.Path);
            CellPreprocessor.Prepare("#r \"nuget: KdLabs, *\"", dir.Path);
            if (parts is [var major, var minor, "0"])
            {
                CellPreprocessor.Prepare($"#r \"nuget: KdLabs, {major}.{minor}\"", dir.Path);
            }
        }

        using (var dir = new TempDirectory())
        {
            var marker = dir.File("ran.txt").Replace("\\", "\\\\");
            var (result, _) = await TestNotebooks.RunCells(dir, $"System.IO.File.WriteAllText(\"{marker}\", \"x\");", "#r \"nuget: KdLabs, 99.2.0\"");
            Assert.Equal(RunStatus.Failed, result.Status);
            Assert.Equal("DirectiveError", result.Error!.Ename);
            Assert.Equal(2, result.Error.CellNumber);
            Assert.False(File.Exists(marker.Replace("\\\\", "\\")));
        }
    }

    [Fact]
    public async Task ANullResultIsShownAsInTheKernelAndCellsRunInTheNotebooksFolder()
    {
        using var dir = new TempDirectory();
        var folder = Directory.CreateDirectory(dir.File("lessons")).FullName;
        var path = TestNotebooks.Write(dir, "lessons/nb.ipynb",
            "null",
            "object o = null; o",
            "Console.WriteLine(\"void\")",
            "System.IO.Directory.GetCurrentDirectory()");

        var result = await TestNotebooks.Run(dir, path);

        Assert.True(result.Succeeded, result.Error?.Message);
        var nb = IpynbFormat.Read(result.ExecutedNotebookPath);
        Assert.Equal("<null>", TestNotebooks.Text(Assert.IsType<ExecuteResultOutput>(Assert.Single(nb.Cells[0].Outputs))));
        Assert.Equal("<null>", TestNotebooks.Text(Assert.IsType<ExecuteResultOutput>(Assert.Single(nb.Cells[1].Outputs))));
        Assert.IsType<StreamOutput>(Assert.Single(nb.Cells[2].Outputs));
        Assert.Equal(folder.TrimEnd('/', '\\'), TestNotebooks.Text(nb.Cells[3].Outputs.OfType<ExecuteResultOutput>().Single()).TrimEnd('/', '\\'));
    }

    [Fact]
    public async Task AWorkerThatCannotStartFailsTheNotebookAndStillWritesIt()
    {
        using var dir = new TempDirectory();
        var path = TestNotebooks.Write(dir, "nb.ipynb", "md:# x", "1 + 1");

        var result = await new NotebookRunner().RunAsync(new NotebookRunRequest
        {
            NotebookPath = path,
            OutputDirectory = dir.File("out"),
            WorkerHost = dir.File("no-such-dotnet"),
        }, CancellationToken.None);

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal("WorkerStartError", result.Error!.Ename);
        Assert.DoesNotContain("cell 0", result.Error.Message);
        Assert.True(File.Exists(result.ExecutedNotebookPath));
        Assert.True(File.Exists(result.HtmlPath));
        Assert.Contains("WorkerStartError", File.ReadAllText(result.HtmlPath));
        Assert.Equal(0, result.CellsExecuted);
    }
}
