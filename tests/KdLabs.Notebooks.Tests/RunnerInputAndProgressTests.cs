using System.Diagnostics;
using KdLabs.Notebooks.Execution;
using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Tests;

/// <summary>
/// A headless run never waits on a person: a cell's Console.ReadLine() ends at once with a message saying why (in the
/// worker and in process), a cell has a default time limit, and a long cell's output reaches the saved notebook while
/// it runs (a training run's progress lines).
/// </summary>
public class RunnerInputAndProgressTests
{
    [Theory]
    [InlineData(NotebookIsolation.Worker)]
    [InlineData(NotebookIsolation.InProcess)]
    public async Task ConsoleReadLineInACellFailsAtOnceWithAMessageThatSaysWhy(NotebookIsolation isolation)
    {
        using var dir = new TempDirectory();
        var path = TestNotebooks.Write(dir, "nb.ipynb", "Console.WriteLine(\"before\");", "var name = Console.ReadLine();\nConsole.WriteLine(name);");
        var clock = Stopwatch.StartNew();
        var result = await new NotebookRunner().RunAsync(new NotebookRunRequest { NotebookPath = path, OutputDirectory = dir.File("out"), Isolation = isolation }, CancellationToken.None)
            .WaitAsync(TimeSpan.FromMinutes(3));

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal("System.InvalidOperationException", result.Error!.Ename);
        Assert.Contains("Console.ReadLine(): this cell asked for typed input, but notebook cells have no console to read from", result.Error.Evalue);
        Assert.Equal(2, result.Error.CodeCellNumber);
        Assert.Equal(1, result.Error.Line);
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"the read took {clock.Elapsed}");
    }

    [Fact]
    public void ARunHasACellTimeoutUnlessToldOtherwise()
    {
        var request = new NotebookRunRequest { NotebookPath = "nb.ipynb", OutputDirectory = "out" };
        Assert.Equal(NotebookRunRequest.DefaultCellTimeout, request.CellTimeout);
        Assert.Equal(TimeSpan.FromHours(1), NotebookRunRequest.DefaultCellTimeout);
    }

    [Fact]
    public async Task ALongCellsOutputIsInTheSavedNotebookWhileItRuns()
    {
        using var dir = new TempDirectory();
        var path = TestNotebooks.Write(dir, "nb.ipynb", "Console.WriteLine(\"epoch 1/2\");\nSystem.Threading.Thread.Sleep(6000);\nConsole.WriteLine(\"epoch 2/2\");");
        var (run, saved, seen) = await StartAndWatchAsync(dir, path, 0, "epoch 1/2");

        Assert.False(run.IsCompleted && seen is null, "the first epoch's line reached the saved notebook only when the cell ended");
        Assert.DoesNotContain("epoch 2/2", seen);
        var result = await run.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal("epoch 1/2\nepoch 2/2\n", IpynbFormat.Read(saved).Cells[0].Outputs.OfType<StreamOutput>().Single().Text);
    }

    [Fact]
    public async Task ATrainingCellsProgressLinesArriveBeforeTheCellEnds()
    {
        using var dir = new TempDirectory();
        KdLabs.Data.MnistFiles.EnsurePresent(KdLabs.Data.MnistFiles.DefaultDirectory);
        string mnist = KdLabs.Data.MnistFiles.DefaultDirectory.Replace("\"", "\"\"", StringComparison.Ordinal);
        var path = TestNotebooks.Write(dir, "nb.ipynb",
            $"#r \"nuget: KdLabs, {ProvidedPackages.Find("KdLabs")!.Version}\"\nusing KdLabs.Data; using KdLabs.Models; using KdLabs.Training;",
            // A line every 0.2 s (a lesson's is every 10 s): three epochs of 3,000 images take seconds on one thread.
            $"var data = MnistDataset.Load(train: true, @\"{mnist}\", 3000);\n"
            + "var model = ModelCatalog.Create(\"cnn-student\", 1);\n"
            + "new Trainer(new TrainerOptions { Epochs = 3, BatchSize = 20, ReportEvery = 5 }, new LineTrainingProgress(interval: TimeSpan.FromSeconds(0.2)))"
            + ".Fit(model, data, null, new SupervisedObjective(), \"student\");\n"
            + "Console.WriteLine(\"trained\");");
        var (run, saved, seen) = await StartAndWatchAsync(dir, path, 1, "student epoch 1/3  batch ");

        var result = await run.WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.False(seen is null, "no in-epoch progress line reached the saved notebook before the training cell ended");
        Assert.DoesNotContain("trained", seen);
        Assert.Contains("trained", IpynbFormat.Read(saved).Cells[1].Outputs.OfType<StreamOutput>().Single().Text);
    }

    /// <summary>Starts the run with live saving and returns, as soon as the saved notebook's cell shows <paramref name="marker"/>
    /// (or the run ends), the running task, the saved path and the stream text seen then (null: never seen while running).</summary>
    private static async Task<(Task<NotebookRunResult> Run, string Saved, string? Seen)> StartAndWatchAsync(TempDirectory dir, string path, int cell, string marker)
    {
        var run = new NotebookRunner().RunAsync(new NotebookRunRequest
        {
            NotebookPath = path,
            OutputDirectory = dir.File("out"),
            LiveSaveInterval = TimeSpan.FromMilliseconds(200),
        }, CancellationToken.None);
        var saved = dir.File(Path.Combine("out", "nb.ipynb"));
        while (!run.IsCompleted)
        {
            await Task.Delay(100);
            if (File.Exists(saved) && IpynbFormat.Read(saved).Cells[cell].Outputs.OfType<StreamOutput>().FirstOrDefault()?.Text is { } text && text.Contains(marker))
            {
                return (run, saved, text);
            }
        }
        return (run, saved, null);
    }
}
