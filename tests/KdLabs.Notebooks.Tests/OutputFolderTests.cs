using KdLabs.Notebooks.Execution;

namespace KdLabs.Notebooks.Tests;

/// <summary>--out is checked and locked before any cell runs.</summary>
public class OutputFolderTests
{
    private static async Task<IOException> RefusedAsync(TempDirectory dir, string output, string marker)
    {
        var path = TestNotebooks.Write(dir, "nb.ipynb", $"System.IO.File.WriteAllText(\"{marker.Replace("\\", "\\\\")}\", \"x\");");
        var e = await Assert.ThrowsAsync<IOException>(() => new NotebookRunner().RunAsync(
            new NotebookRunRequest { NotebookPath = path, OutputDirectory = output }, CancellationToken.None));
        Assert.False(File.Exists(marker), "no cell may run when the output folder cannot be used");
        Assert.Contains("--out", e.Message);
        return e;
    }

    [Fact]
    public async Task OutputFolderThatIsAFileIsRefusedBeforeAnyCell()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("taken"), "");
        var e = await RefusedAsync(dir, dir.File("taken"), dir.File("ran.txt"));
        Assert.Contains("is a file", e.Message);
        Assert.StartsWith(dir.File("taken"), e.Message);
    }

    [Fact]
    public async Task OutputFolderBelowAFileIsRefusedBeforeAnyCell()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("taken"), "");
        var e = await RefusedAsync(dir, Path.Combine(dir.File("taken"), "sub"), dir.File("ran.txt"));
        Assert.Contains("cannot create the output folder", e.Message);
    }

    [Fact]
    public async Task ReadOnlyOutputFolderIsRefusedBeforeAnyCell()
    {
        using var dir = new TempDirectory();
        string output;
        if (OperatingSystem.IsLinux() && Environment.UserName == "root")
        {
            // root ignores permission bits; sysfs is read-only even for root.
            output = "/sys/kdlabs-runner-test-out";
        }
        else if (!OperatingSystem.IsWindows())
        {
            output = dir.File("readonly");
            Directory.CreateDirectory(output);
            File.SetUnixFileMode(output, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        }
        else
        {
            return; // Windows folders have no simple read-only bit that stops writes
        }

        var e = await RefusedAsync(dir, output, dir.File("ran.txt"));
        Assert.Contains("choose a writable folder with --out", e.Message);
    }

    [Fact]
    public async Task OutputFilePathTakenByAFolderIsRefused()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("out/nb.html"));
        var e = await RefusedAsync(dir, dir.File("out"), dir.File("ran.txt"));
        Assert.Contains("is a folder", e.Message);
    }

    [Fact]
    public async Task SecondRunIntoTheSameOutputIsRefusedWhileTheFirstRuns()
    {
        using var dir = new TempDirectory();
        var path = TestNotebooks.Write(dir, "nb.ipynb", "System.Threading.Thread.Sleep(3000);\n\"first run\"");
        var started = new TaskCompletionSource();
        var first = new NotebookRunner().RunAsync(new NotebookRunRequest
        {
            NotebookPath = path,
            OutputDirectory = dir.File("out"),
            Log = l =>
            {
                if (l.StartsWith("worker process ready", StringComparison.Ordinal))
                {
                    started.TrySetResult();
                }
            },
        }, CancellationToken.None);
        await started.Task.WaitAsync(TimeSpan.FromMinutes(2));

        var e = await Assert.ThrowsAsync<IOException>(() => new NotebookRunner().RunAsync(
            new NotebookRunRequest { NotebookPath = path, OutputDirectory = dir.File("out") }, CancellationToken.None));
        Assert.Contains("another kdlabs run is writing nb", e.Message);

        var result = await first.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(result.Succeeded, result.Error?.Message);
        // The lock goes with the run: the folder is free again.
        var again = await new NotebookRunner().RunAsync(new NotebookRunRequest { NotebookPath = TestNotebooks.Write(dir, "nb.ipynb", "1"), OutputDirectory = dir.File("out") }, CancellationToken.None);
        Assert.True(again.Succeeded, again.Error?.Message);
    }
}
