using KdLabs.Notebooks.Execution;
using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Tests;

/// <summary>
/// A learner's mistake in one cell ends that cell (or the worker process it runs in), never the runner: the executed
/// notebook and its HTML page are written up to that cell, with an error output saying what happened.
/// </summary>
public class RunnerIsolationTests
{
    private static async Task<(NotebookRunResult Result, Notebook Executed)> RunAsync(TempDirectory dir, Func<NotebookRunRequest, NotebookRunRequest>? configure, params string[] cells)
    {
        var path = TestNotebooks.Write(dir, "nb.ipynb", cells);
        var request = new NotebookRunRequest { NotebookPath = path, OutputDirectory = dir.File("out") };
        var result = await new NotebookRunner().RunAsync(configure?.Invoke(request) ?? request, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(File.Exists(result.ExecutedNotebookPath));
        Assert.True(File.Exists(result.HtmlPath));
        return (result, IpynbFormat.Read(result.ExecutedNotebookPath));
    }

    private static void AssertFirstCellKept(Notebook nb) => Assert.Equal("first\n", TestNotebooks.Text(nb.Cells[0].Outputs[0]));

    [Fact]
    public async Task ExceptionOnAnotherThreadFailsThatCellWithItsTypeAndStack()
    {
        using var dir = new TempDirectory();
        var (result, nb) = await RunAsync(dir, null,
            "Console.WriteLine(\"first\");",
            "var t = new System.Threading.Thread(() => throw new InvalidOperationException(\"boom on a thread\"));\nt.Start();\nSystem.Threading.Thread.Sleep(30000);",
            "Console.WriteLine(\"never\");");

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(2, result.Error!.CellNumber);
        Assert.Equal("System.InvalidOperationException", result.Error.Ename);
        Assert.Equal("boom on a thread", result.Error.Evalue);
        Assert.Equal(1, result.Error.Line);
        AssertFirstCellKept(nb);
        var error = nb.Cells[1].Outputs.OfType<ErrorOutput>().Single();
        Assert.Contains(error.Traceback, l => l.Contains("another thread", StringComparison.Ordinal));
        Assert.Null(nb.Cells[2].ExecutionCount);
        Assert.Contains("boom on a thread", File.ReadAllText(result.HtmlPath));
    }

    [Fact]
    public async Task ExceptionFromAsyncVoidFailsThatCell()
    {
        using var dir = new TempDirectory();
        var (result, nb) = await RunAsync(dir, null,
            "Console.WriteLine(\"first\");",
            "async void Later() { await Task.Delay(10); throw new ArgumentException(\"from async void\"); }\nLater();\nSystem.Threading.Thread.Sleep(30000);");

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal("System.ArgumentException", result.Error!.Ename);
        Assert.Equal("from async void", result.Error.Evalue);
        AssertFirstCellKept(nb);
    }

    [Fact]
    public async Task StackOverflowEndsTheWorkerAndTheNotebookIsStillWritten()
    {
        using var dir = new TempDirectory();
        var (result, nb) = await RunAsync(dir, null,
            "Console.WriteLine(\"first\");",
            "Console.WriteLine(\"going down\");\nSystem.Threading.Thread.Sleep(300);\nint Down(int n) => Down(n + 1) + 1;\nDown(0)",
            "Console.WriteLine(\"never\");");

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal(2, result.Error!.CellNumber);
        Assert.Equal("System.StackOverflowException", result.Error.Ename);
        Assert.Contains("overflowed the stack", result.Error.Evalue);
        AssertFirstCellKept(nb);
        Assert.Equal("going down\n", TestNotebooks.Text(nb.Cells[1].Outputs[0]));
        Assert.Equal("failed", (string?)nb.Cells[1].Metadata["papermill"]!["status"]);
        Assert.Equal("failed", (string?)nb.Metadata["papermill"]!["status"]);
        Assert.Null(nb.Cells[2].ExecutionCount);
    }

    [Fact]
    public async Task EnvironmentExitKeepsEarlierOutputsAndSaysWhatHappened()
    {
        using var dir = new TempDirectory();
        var (result, nb) = await RunAsync(dir, null,
            "Console.WriteLine(\"first\");",
            "Console.WriteLine(\"bye\");\nEnvironment.Exit(3);",
            "Console.WriteLine(\"never\");");

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal("WorkerExited", result.Error!.Ename);
        Assert.Contains("exit code 3", result.Error.Evalue);
        AssertFirstCellKept(nb);
        Assert.Equal("bye\n", TestNotebooks.Text(nb.Cells[1].Outputs[0]));
    }

    [Fact]
    public async Task EndlessCellIsStoppedByTheCellTimeout()
    {
        // 15 s: the timeout includes compiling the cell, which takes seconds on a loaded machine.
        using var dir = new TempDirectory();
        var (result, nb) = await RunAsync(dir, r => new NotebookRunRequest { NotebookPath = r.NotebookPath, OutputDirectory = r.OutputDirectory, CellTimeout = TimeSpan.FromSeconds(15) },
            "Console.WriteLine(\"first\");",
            "Console.WriteLine(\"spinning\");\nwhile (true) { }",
            "Console.WriteLine(\"never\");");

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal("CellTimeoutError", result.Error!.Ename);
        Assert.Contains("--cell-timeout", result.Error.Evalue);
        Assert.Contains("stopped", result.Error.Evalue);
        AssertFirstCellKept(nb);
        Assert.Equal("spinning\n", TestNotebooks.Text(nb.Cells[1].Outputs[0]));
        Assert.Null(nb.Cells[2].ExecutionCount);
    }

    [Fact]
    public async Task NotebookTimeoutStopsTheRunningCell()
    {
        using var dir = new TempDirectory();
        var (result, nb) = await RunAsync(dir, r => new NotebookRunRequest { NotebookPath = r.NotebookPath, OutputDirectory = r.OutputDirectory, Timeout = TimeSpan.FromSeconds(20) },
            "Console.WriteLine(\"first\");",
            "while (true) { System.Threading.Thread.Sleep(10); }");

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal("NotebookTimeoutError", result.Error!.Ename);
        Assert.Contains("--timeout", result.Error.Evalue);
        Assert.Equal(2, result.Error.CellNumber);
        AssertFirstCellKept(nb);
    }

    [Fact]
    public async Task OutputBeyondTheCapIsDroppedWithANote()
    {
        using var dir = new TempDirectory();
        var (result, nb) = await RunAsync(dir, r => new NotebookRunRequest { NotebookPath = r.NotebookPath, OutputDirectory = r.OutputDirectory, MaxCellOutputChars = 1024 * 1024 },
            "var line = new string('x', 99);\nfor (var i = 0; i < 50_000; i++) { Console.WriteLine(line); }\n\"done\"");

        Assert.True(result.Succeeded, result.Error?.Message);
        var stdout = nb.Cells[0].Outputs.OfType<StreamOutput>().Single(s => s.Name == "stdout");
        Assert.Equal(1024 * 1024, stdout.Text.Length);
        var note = nb.Cells[0].Outputs.OfType<StreamOutput>().Single(s => s.Name == "stderr");
        Assert.StartsWith("[output truncated after 1 MB", note.Text);
        Assert.Equal("done", TestNotebooks.Text(nb.Cells[0].Outputs.OfType<ExecuteResultOutput>().Single()));
    }

    [Fact]
    public async Task FiftyMegabytesOfOutputFinishAndKeepTheDefaultCap()
    {
        using var dir = new TempDirectory();
        // 500,000 lines of 100 characters. Appending to a string made this quadratic (not finished after 13 min); the
        // timeout only guards against a hang.
        var (result, nb) = await RunAsync(dir, r => new NotebookRunRequest { NotebookPath = r.NotebookPath, OutputDirectory = r.OutputDirectory, CellTimeout = TimeSpan.FromMinutes(2) },
            "var line = new string('y', 99);\nfor (var i = 0; i < 500_000; i++) { Console.WriteLine(line); }");

        Assert.True(result.Succeeded, result.Error?.Message);
        var stdout = nb.Cells[0].Outputs.OfType<StreamOutput>().Single(s => s.Name == "stdout");
        Assert.Equal(OutputCollector.DefaultMaxStreamChars, stdout.Text.Length);
        Assert.Contains(nb.Cells[0].Outputs, o => o is StreamOutput { Name: "stderr" } s && s.Text.Contains("output truncated after 10 MB", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExecutedNotebookIsWrittenAfterEveryCell()
    {
        using var dir = new TempDirectory();
        var executed = dir.File("out/nb.ipynb").Replace("\\", "\\\\");
        var (result, nb) = await RunAsync(dir, null,
            "Console.WriteLine(\"one\");",
            $"var text = System.IO.File.ReadAllText(\"{executed}\");\ntext.Contains(\"\\\"one\\\\n\\\"\") && text.Contains(\"\\\"running\\\"\")");

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal("true", TestNotebooks.Text(nb.Cells[1].Outputs.OfType<ExecuteResultOutput>().Single()), ignoreCase: true);
        Assert.Equal("succeeded", (string?)nb.Metadata["papermill"]!["status"]);
    }

    [Fact]
    public async Task CancelledCellGetsANoteAndTheRunIsWritten()
    {
        using var dir = new TempDirectory();
        var path = TestNotebooks.Write(dir, "nb.ipynb", "Console.WriteLine(\"first\");", "while (true) { System.Threading.Thread.Sleep(10); }");
        using var cts = new CancellationTokenSource();
        var result = await new NotebookRunner().RunAsync(new NotebookRunRequest
        {
            NotebookPath = path,
            OutputDirectory = dir.File("out"),
            Log = l =>
            {
                if (l.StartsWith("cell 1/2 ok", StringComparison.Ordinal))
                {
                    cts.CancelAfter(500);
                }
            },
        }, cts.Token).WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(RunStatus.Cancelled, result.Status);
        var nb = IpynbFormat.Read(result.ExecutedNotebookPath);
        AssertFirstCellKept(nb);
        Assert.Equal("RunCancelled", nb.Cells[1].Outputs.OfType<ErrorOutput>().Single().Ename);
        Assert.Equal("cancelled", (string?)nb.Metadata["papermill"]!["status"]);
        Assert.True(File.Exists(result.HtmlPath));
    }

    [Fact]
    public async Task InProcessIsolationStillRunsCells()
    {
        using var dir = new TempDirectory();
        var (result, nb) = await RunAsync(dir, r => new NotebookRunRequest { NotebookPath = r.NotebookPath, OutputDirectory = r.OutputDirectory, Isolation = NotebookIsolation.InProcess },
            "Console.WriteLine(\"first\");", "1 + 1");

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Null(result.WorkerStartup);
        AssertFirstCellKept(nb);
        Assert.Equal("2", TestNotebooks.Text(nb.Cells[1].Outputs[0]));
    }

    [Fact]
    public async Task WorkerIsTheDefaultAndReportsItsStartUpTime()
    {
        using var dir = new TempDirectory();
        var (result, _) = await RunAsync(dir, null, "Environment.ProcessId");

        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.NotNull(result.WorkerStartup);
        var nb = IpynbFormat.Read(result.ExecutedNotebookPath);
        Assert.NotEqual(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), TestNotebooks.Text(nb.Cells[0].Outputs[0]));
    }
}
