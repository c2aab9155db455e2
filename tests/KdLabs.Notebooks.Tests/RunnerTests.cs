using KdLabs.Notebooks.Execution;
using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Tests;

public class RunnerTests
{
    [Fact]
    public async Task StateCarriesAcrossCellsAndTrailingExpressionIsAnExecuteResult()
    {
        using var dir = new TempDirectory();
        var (result, nb) = await TestNotebooks.RunCells(dir,
            "md:# Title",
            "var x = 20;\nint Twice(int v) => v * 2;",
            "Twice(x) + 2");

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Null(result.Error);
        Assert.Equal(2, result.CellsExecuted);
        Assert.Empty(nb.Cells[1].Outputs);
        var value = Assert.IsType<ExecuteResultOutput>(Assert.Single(nb.Cells[2].Outputs));
        Assert.Equal("42", value.Data.GetText("text/plain"));
        Assert.Equal(2, value.ExecutionCount);
        Assert.Equal(1, nb.Cells[1].ExecutionCount);
        Assert.Equal(2, nb.Cells[2].ExecutionCount);
        Assert.Null(nb.Cells[0].ExecutionCount);
    }

    [Fact]
    public async Task DisplayAndConsoleOutputAreKeptInOrder()
    {
        using var dir = new TempDirectory();
        var (result, nb) = await TestNotebooks.RunCells(dir,
            "Console.WriteLine(\"before\");\ndisplay(\"shown\");\nConsole.Write(\"after\");\nConsole.Error.WriteLine(\"warn\");");

        Assert.Equal(RunStatus.Succeeded, result.Status);
        var outputs = nb.Cells[0].Outputs;
        Assert.Equal(4, outputs.Count);
        Assert.Equal("before\n", Assert.IsType<StreamOutput>(outputs[0]).Text);
        Assert.Equal("shown", Assert.IsType<DisplayDataOutput>(outputs[1]).Data.GetText("text/plain"));
        Assert.Equal("display_data", outputs[1].OutputType);
        Assert.Equal("after", Assert.IsType<StreamOutput>(outputs[2]).Text);
        var err = Assert.IsType<StreamOutput>(outputs[3]);
        Assert.Equal("stderr", err.Name);
    }

    [Fact]
    public async Task DefaultImportsAreTheCsharpKernelsAndACellAddsTheRest()
    {
        using var dir = new TempDirectory();
        var (result, nb) = await TestNotebooks.RunCells(dir,
            "#r \"nuget: TorchSharp-cpu\"\nusing System.IO; using TorchSharp; using static TorchSharp.torch;\nTensor t = ones(2, 3);\nvar sum = t.sum().item<float>();\n"
            + "sum + Path.GetFileName(\"a/b.txt\").Length + new ArrayList { 1 }.Count");

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal("12", TestNotebooks.Text(nb.Cells[0].Outputs.OfType<ExecuteResultOutput>().Single()));

        using var other = new TempDirectory();
        var (withoutUsing, _) = await TestNotebooks.RunCells(other, "Path.GetFileName(\"a/b.txt\")");
        Assert.False(withoutUsing.Succeeded);
        Assert.Contains("CS0103", withoutUsing.Error?.Message);
    }

    [Fact]
    public async Task CompileErrorStopsTheRunAndReportsCellAndLine()
    {
        using var dir = new TempDirectory();
        var marker = dir.File("later-cell-ran.txt").Replace("\\", "\\\\");
        var (result, nb) = await TestNotebooks.RunCells(dir,
            "md:intro",
            "var ok = 1;",
            "var a = 1;\nvar b = nope + a;",
            $"System.IO.File.WriteAllText(\"{marker}\", \"x\");");

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.True(File.Exists(result.ExecutedNotebookPath));
        Assert.True(File.Exists(result.HtmlPath));
        var error = result.Error!;
        Assert.Equal(3, error.CellNumber);
        Assert.Equal(2, error.CodeCellNumber);
        Assert.Equal(2, error.Line);
        Assert.Equal("CompilationError", error.Ename);
        Assert.Contains("CS0103", error.Evalue);
        Assert.StartsWith($"{result.NotebookPath}: cell 3, line 2: error CS0103:", error.Message);

        var output = Assert.IsType<ErrorOutput>(Assert.Single(nb.Cells[2].Outputs));
        Assert.Equal("CompilationError", output.Ename);
        Assert.Contains("nope", output.Evalue);
        Assert.NotEmpty(output.Traceback);
        Assert.Null(nb.Cells[3].ExecutionCount);
        Assert.False(File.Exists(marker.Replace("\\\\", "\\")));
        Assert.Equal("failed", (string?)nb.Cells[2].Metadata["papermill"]!["status"]);
    }

    [Fact]
    public async Task RuntimeErrorReportsExceptionTypeAndLine()
    {
        using var dir = new TempDirectory();
        var (result, nb) = await TestNotebooks.RunCells(dir,
            "Console.WriteLine(\"ran\");",
            "// comment\nvar items = new List<int>();\nvar first = items[0];\nConsole.WriteLine(\"unreachable\");");

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(2, result.Error!.CellNumber);
        Assert.Equal(3, result.Error.Line);
        Assert.Equal("System.ArgumentOutOfRangeException", result.Error.Ename);

        var raw = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(result.ExecutedNotebookPath))!;
        var errorJson = raw["cells"]![1]!["outputs"]!.AsArray().Single(o => (string?)o!["output_type"] == "error")!;
        Assert.Equal("System.ArgumentOutOfRangeException", (string?)errorJson["ename"]);
        Assert.False(string.IsNullOrEmpty((string?)errorJson["evalue"]));
        Assert.True(errorJson["traceback"]!.AsArray().Count > 1);
        Assert.Equal("ran\n", TestNotebooks.Text(nb.Cells[0].Outputs[0]));
        Assert.DoesNotContain(nb.Cells[1].Outputs, o => o is StreamOutput);
    }

    [Fact]
    public async Task NugetReferenceToAShippedPackageWorksAndLineNumbersStayRight()
    {
        using var dir = new TempDirectory();
        var (result, nb) = await TestNotebooks.RunCells(dir,
            "#r \"nuget: Plotly.NET, 6.0.0\"\n#r \"nuget: Microsoft.Data.Analysis\"\nusing Microsoft.Data.Analysis;\nvar col = new PrimitiveDataFrameColumn<int>(\"a\", 3);\nthrow new Exception(\"line five\");");

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(5, result.Error!.Line);
        Assert.Equal("line five", result.Error.Evalue);
        var note = Assert.IsType<DisplayDataOutput>(nb.Cells[0].Outputs[0]);
        Assert.Contains("Plotly.NET", note.Data.GetText("text/plain"));
    }

    /// <summary>
    /// Microsoft.Data.Analysis is not among the KdLabs package's dependencies, so the real kernel gives a cell DataFrames
    /// only after <c>#r "nuget: Microsoft.Data.Analysis"</c>; the runner, which ships it for its own formatter, must not
    /// give them sooner, or a lesson passing here would fail there.
    /// </summary>
    [Fact]
    public async Task APackageOutsideTheKitsDependenciesNeedsItsOwnReferenceAsInTheKernel()
    {
        using (var dir = new TempDirectory())
        {
            var (result, _) = await TestNotebooks.RunCells(dir, "var df = new Microsoft.Data.Analysis.DataFrame();");
            Assert.Equal(RunStatus.Failed, result.Status);
            Assert.Contains("CS0234", result.Error!.Evalue);
        }

        using (var dir = new TempDirectory())
        {
            var (result, nb) = await TestNotebooks.RunCells(dir, "#r \"nuget: Microsoft.Data.Analysis\"",
                "new Microsoft.Data.Analysis.DataFrame(new Microsoft.Data.Analysis.PrimitiveDataFrameColumn<int>(\"epoch\", new[] { 1, 2, 3 }))");
            Assert.Equal(RunStatus.Succeeded, result.Status);
            Assert.Contains(nb.Cells[1].Outputs, o => o is ExecuteResultOutput r && r.Data.GetText("text/plain")!.StartsWith("DataFrame: 3 rows, 1 columns", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task NugetReferenceToAnUnknownPackageNamesItAndRunsNothing()
    {
        using var dir = new TempDirectory();
        var marker = dir.File("ran.txt").Replace("\\", "\\\\");
        var (result, nb) = await TestNotebooks.RunCells(dir,
            $"System.IO.File.WriteAllText(\"{marker}\", \"x\");",
            "// needs a package\n#r \"nuget: Humanizer.Core, 2.14.1\"");

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(2, result.Error!.CellNumber);
        Assert.Equal(2, result.Error.Line);
        Assert.Contains("'Humanizer.Core'", result.Error.Message);
        Assert.Contains("TorchSharp-cpu", result.Error.Message);
        Assert.False(File.Exists(marker.Replace("\\\\", "\\")), "cells must not run when a directive cannot be honoured");
        Assert.IsType<ErrorOutput>(Assert.Single(nb.Cells[1].Outputs));
    }

    [Fact]
    public async Task PathReferenceLoadsADllRelativeToTheNotebook()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("lib"));
        TestAssemblies.Compile(dir.File("lib/Greeter.dll"), "namespace Demo; public static class Greeter { public static string Hi(string n) => \"hi \" + n; }");

        var (result, nb) = await TestNotebooks.RunCells(dir, "#r \"lib/Greeter.dll\"\nDemo.Greeter.Hi(\"kit\")");

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal("hi kit", TestNotebooks.Text(nb.Cells[0].Outputs[^1]));
    }

    [Fact]
    public async Task MagicsCsharpIsAcceptedMarkdownPassedThroughUnknownIsAnError()
    {
        using var dir = new TempDirectory();
        var (ok, nb) = await TestNotebooks.RunCells(dir, "#!csharp\n#i \"nuget: https://example.invalid/feed\"\n1 + 1", "#!markdown\n# not code");
        Assert.True(ok.Succeeded, ok.Error?.Message);
        Assert.Equal("2", TestNotebooks.Text(nb.Cells[0].Outputs.OfType<ExecuteResultOutput>().Single()));
        Assert.Contains(nb.Cells[0].Outputs, o => TestNotebooks.Text(o).Contains("ignored", StringComparison.Ordinal));
        Assert.Null(nb.Cells[1].ExecutionCount);

        using var dir2 = new TempDirectory();
        var (bad, _) = await TestNotebooks.RunCells(dir2, "var a = 1;\n#!about");
        Assert.Equal(RunStatus.Failed, bad.Status);
        Assert.Equal(2, bad.Error!.Line);
        Assert.Contains("#!about", bad.Error.Message);
    }

    [Fact]
    public async Task DibNotebookRunsAndReportsUnsupportedMagic()
    {
        using var dir = new TempDirectory();
        var dib = dir.File("demo.dib");
        File.WriteAllText(dib, "#!markdown\n\n# Demo\n\n#!csharp\n\nvar g = \"hi\";\n\n#!csharp\n\ng + \"!\"\n");

        var result = await TestNotebooks.Run(dir, dib);

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.EndsWith("demo.ipynb", result.ExecutedNotebookPath);
        var nb = IpynbFormat.Read(result.ExecutedNotebookPath);
        Assert.Equal("hi!", TestNotebooks.Text(nb.Cells[2].Outputs[0]));
        Assert.Equal(".net-csharp", (string?)nb.Metadata["kernelspec"]!["name"]);

        var fixture = await TestNotebooks.Run(dir, Path.Combine(AppContext.BaseDirectory, "Fixtures", "polyglot.dib"));
        Assert.Equal(RunStatus.Failed, fixture.Status);
        Assert.Contains("#!time", fixture.Error!.Message);
    }

    [Fact]
    public async Task CancellationStopsWithinACellAndKeepsWhatRan()
    {
        using var dir = new TempDirectory();
        var marker = dir.File("started.txt");
        var path = TestNotebooks.Write(dir, "slow.ipynb",
            "Console.WriteLine(\"first\");",
            $"Console.WriteLine(\"started\");\nSystem.IO.File.WriteAllText(\"{marker.Replace("\\", "\\\\")}\", \"\");\nwhile (true) {{ System.Threading.Thread.Sleep(20); }}",
            "Console.WriteLine(\"never\");");
        using var cts = new CancellationTokenSource();
        var lines = new List<string>();
        var runner = new NotebookRunner();
        var task = runner.RunAsync(new NotebookRunRequest
        {
            NotebookPath = path,
            OutputDirectory = dir.File("out"),
            Log = l =>
            {
                lock (lines)
                {
                    lines.Add(l);
                }

            },
        }, cts.Token);
        // Cancel once the cell runs (it compiles first, which takes a while on a loaded machine).
        while (!File.Exists(marker) && !task.IsCompleted)
        {
            await Task.Delay(20);
        }

        cts.CancelAfter(300);

        var result = await task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(RunStatus.Cancelled, result.Status);
        var nb = IpynbFormat.Read(result.ExecutedNotebookPath);
        Assert.Equal("first\n", TestNotebooks.Text(nb.Cells[0].Outputs[0]));
        Assert.Equal("started\n", TestNotebooks.Text(nb.Cells[1].Outputs[0]));
        Assert.Equal("cancelled", (string?)nb.Cells[1].Metadata["papermill"]!["status"]);
        Assert.Null(nb.Cells[2].ExecutionCount);
        Assert.Contains(lines, l => l.StartsWith("cell 2/3 cancelled", StringComparison.Ordinal));
        Assert.True(File.Exists(result.HtmlPath));
    }

    [Fact]
    public async Task CancellationReturnsEvenWhenTheCellIgnoresTheToken()
    {
        using var dir = new TempDirectory();
        var marker = dir.File("busy.txt");
        var path = TestNotebooks.Write(dir, "busy.ipynb",
            $"Console.WriteLine(\"busy\");\nSystem.IO.File.WriteAllText(\"{marker.Replace("\\", "\\\\")}\", \"\");\nfor (var i = 0; i < 400; i++) {{ System.Threading.Thread.Sleep(25); }}",
            "Console.WriteLine(\"never\");");
        using var cts = new CancellationTokenSource();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var task = TestNotebooks.Run(dir, path, ct: cts.Token);
        // Cancel 1.5 s into the busy cell (the worker's start-up and the cell's compilation are not part of it).
        while (!File.Exists(marker) && !task.IsCompleted)
        {
            await Task.Delay(20);
        }

        clock.Restart();
        cts.CancelAfter(TimeSpan.FromSeconds(1.5));

        var result = await task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(RunStatus.Cancelled, result.Status);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"took {clock.Elapsed}");
        var nb = IpynbFormat.Read(result.ExecutedNotebookPath);
        Assert.Equal("busy\n", TestNotebooks.Text(nb.Cells[0].Outputs[0]));
        Assert.Null(nb.Cells[1].ExecutionCount);
    }

    [Fact]
    public async Task TimingsAndProgressAreRecorded()
    {
        using var dir = new TempDirectory();
        var path = TestNotebooks.Write(dir, "t.ipynb", "md:# x", "var a = 1;", "a");
        var lines = new List<string>();
        var result = await new NotebookRunner().RunAsync(new NotebookRunRequest
        {
            NotebookPath = path,
            OutputDirectory = dir.File("out"),
            Log = lines.Add,
        }, CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Contains(lines, l => l.StartsWith("cell 2/3 ok ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("cell 3/3 ok ", StringComparison.Ordinal));
        var nb = IpynbFormat.Read(result.ExecutedNotebookPath);
        var timing = nb.Cells[1].Metadata["papermill"]!;
        Assert.Equal("completed", (string?)timing["status"]);
        Assert.True((double)timing["duration"]! >= 0);
        Assert.EndsWith("Z", (string?)timing["start_time"]);
        Assert.Equal("succeeded", (string?)nb.Metadata["papermill"]!["status"]);
        Assert.True(result.Duration > TimeSpan.Zero);
    }

    [Fact]
    public async Task HtmlHelperAndFrameworkPackagesWork()
    {
        using var dir = new TempDirectory();
        var (result, nb) = await TestNotebooks.RunCells(dir,
            "#r \"nuget: System.Text.Json\"\ndisplay(HTML(\"<b>bold</b>\"));\nSystem.Text.Json.JsonSerializer.Serialize(new { a = 1 })");

        Assert.True(result.Succeeded, result.Error?.Message);
        var outputs = nb.Cells[0].Outputs;
        Assert.Contains(outputs, o => o is DisplayDataOutput d && d.Data.GetText("text/html") == "<b>bold</b>");
        Assert.Equal("{\"a\":1}", TestNotebooks.Text(outputs.OfType<ExecuteResultOutput>().Single()));
    }

    [Fact]
    public async Task OutputFolderMustNotOverwriteTheInput()
    {
        using var dir = new TempDirectory();
        var path = TestNotebooks.Write(dir, "same.ipynb", "1");
        await Assert.ThrowsAsync<ArgumentException>(() => new NotebookRunner().RunAsync(
            new NotebookRunRequest { NotebookPath = path, OutputDirectory = dir.Path }, CancellationToken.None));
    }
}
