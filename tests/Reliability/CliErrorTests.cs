using System.Diagnostics;
using System.Reflection;
using KdLabs.Data;
using KdLabs.Infrastructure;

namespace KdLabs.Tests.Reliability;

/// <summary>
/// The CLI's answers to bad arguments and bad data: exit 2 for every argument error (parse errors included), 1 for bad
/// data, one line on standard error naming the option as typed, nothing on standard output, no stack trace.
/// None of these cases trains anything. A failure that is not the user's (an end of stream, a sharing violation, a
/// library's argument error) is a bug: exit 70 with its stack trace, in every command, the notebook ones included.
/// </summary>
[Collection(ConsoleCollection.Name)]
public class CliErrorTests
{
    private sealed record Outcome(int ExitCode, string Stdout, string Stderr);

    private static Outcome Kdlabs(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "KdLabs.Cli.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = KdLabsPaths.RepositoryRoot!,
        };
        psi.Environment["KDLABS_CACHE"] = TestData.TempDirectory();
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new Outcome(process.ExitCode, stdout, stderr.Result);
    }

    private static void AssertOneLineError(Outcome r, int exitCode, params string[] contains)
    {
        Assert.True(r.ExitCode == exitCode, $"exit {r.ExitCode}, expected {exitCode}; stderr: {r.Stderr}; stdout: {r.Stdout}");
        var first = r.Stderr.Split('\n')[0];
        Assert.StartsWith("error: ", first, StringComparison.Ordinal);
        foreach (var c in contains)
        {
            Assert.Contains(c, r.Stderr, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("error", r.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter '", r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Actual value was", r.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc", "--alpha", "abc")]
    [InlineData("--bogus", "--bogus", "--bogus")]
    [InlineData("inf", "--temperature", "inf")]
    [InlineData("1e9", "--temperature", "1e9")]
    [InlineData("0", "--epochs", "0")]
    [InlineData("-2", "--jitter", "-2")]
    [InlineData("99999999999", "--seeds", "99999999999")]
    public void EveryArgumentErrorExitsTwoAndNamesTheOptionAsTyped(string value, string option, string shown)
    {
        var args = option == value ? new[] { "distill", "mnist", option } : ["distill", "mnist", option, value];
        var r = Kdlabs(args);
        AssertOneLineError(r, 2, shown);
        Assert.DoesNotContain("Epochs", r.Stderr, StringComparison.Ordinal);
        if (option is "--epochs" or "--temperature" && value != "inf")
        {
            Assert.Contains($"{option} {value}:", r.Stderr, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Settings checked by the labs' options records (which name the setting, as a notebook user sets it) reach the
    /// command line as the option typed, through the one binder every lab command uses, whatever the option's spelling.
    /// </summary>
    [Theory]
    [InlineData("--seeds 1,1", "zoo", "mnist", "--seeds", "1,1")]
    [InlineData("--teachers 1", "zoo", "mnist", "--teachers", "1")]
    [InlineData("--threads 0", "distill", "mnist", "--threads", "0")]
    [InlineData("--labeled 15", "ssld", "mnist", "--labeled", "15")]
    [InlineData("--synthetic-test-count 5", "distill", "chest-xray", "--synthetic", "--synthetic-test-count", "5")]
    [InlineData("--validation: ", "distill", "chest-xray", "--validation")]
    [InlineData("(--synthetic)", "distill", "chest-xray", "--validation")]
    [InlineData("--jitter 9", "distill", "mnist", "--student", "sdt", "--jitter", "9")]
    [InlineData("--dropout 1", "distill", "mnist", "--teacher", "mlp", "--dropout", "1")]
    public void ALabSettingOutOfRangeIsShownAsTheOptionTyped(string shown, params string[] args)
    {
        AssertOneLineError(Kdlabs([.. args, "--out", TestData.TempDirectory(), "--data", TestData.MnistDirectory]), 2, shown);
    }

    [Fact]
    public void ANegativeOrZeroCountIsRefusedBeforeAnythingRuns()
    {
        AssertOneLineError(Kdlabs("bench", "train", "--images", "0"), 2, "--images 0");
        AssertOneLineError(Kdlabs("data", "synth", "chest-xray", "--count", "-5", "--out", TestData.TempDirectory()), 2, "--count", "-5");
    }

    /// <summary>The synthetic set's floors (20 training, 20 test, 4 val images) are the generator's: below them is the user's mistake, not a bug.</summary>
    [Theory]
    [InlineData("--count", "4")]
    [InlineData("--test-count", "5")]
    [InlineData("--val-count", "2")]
    public void ASyntheticSplitTooSmallIsAnOptionError(string option, string value)
    {
        AssertOneLineError(Kdlabs("data", "synth", "chest-xray", option, value, "--out", TestData.TempDirectory()), 2, $"{option} {value}", "must be between");
    }

    [Fact]
    public void AnOptionThatWouldBeIgnoredIsRefused()
    {
        AssertOneLineError(Kdlabs("distill", "mnist", "--depth", "4"), 2, "--depth applies only with --student sdt");
    }

    [Fact]
    public void ValidationIsAcceptedWithoutTheTreeBecauseTheDocumentedTuningUsesIt()
    {
        // docs/results.md chooses α and T with `distill mnist --validation 5000`: the option is shared, not the tree's own.
        var r = Kdlabs("distill", "mnist", "--smoke", "--validation", "300", "--threads", "1", "--out", TestData.TempDirectory(), "--data", TestData.MnistDirectory);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("300 validation images", r.Stdout, StringComparison.Ordinal);
        Assert.Contains("validation set, last epoch", r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileGivenAsTheDataFolderIsBadDataWithTheRightFix()
    {
        string file = Path.Combine(TestData.TempDirectory(), "not-a-folder");
        File.WriteAllText(file, "x");
        var r = Kdlabs("distill", "mnist", "--smoke", "--data", file, "--out", TestData.TempDirectory());
        AssertOneLineError(r, 1, file, "is a file", "--data");
        Assert.DoesNotContain("npm", r.Stderr + r.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void ASecondRunIntoTheSameOutputFolderIsRefused()
    {
        string output = TestData.TempDirectory();
        using var first = FileLock.Acquire(Path.Combine(output, ".kdlabs-run.lock"), TimeSpan.Zero);
        var r = Kdlabs("distill", "mnist", "--smoke", "--out", output, "--data", TestData.MnistDirectory);
        AssertOneLineError(r, 1, "another kdlabs run is writing into this folder", "--out");
    }

    private static readonly Type Errors = Type.GetType("KdLabs.Cli.CliErrors, KdLabs.Cli", throwOnError: true)!;

    // The in-process guards, standard error captured (the console collection keeps redirections one at a time).
    private static Outcome Captured(Func<int> run)
    {
        var previous = Console.Error;
        using var writer = new StringWriter();
        Console.SetError(writer);
        try
        {
            return new Outcome(run(), "", writer.ToString());
        }
        finally
        {
            Console.SetError(previous);
        }
    }

    private static Outcome Guard(Action body) =>
        Captured(() => (int)Errors.GetMethod("Guard", BindingFlags.Public | BindingFlags.Static)!.Invoke(null, [new Func<int>(() => { body(); return 0; })])!);

    private static Outcome NotebookGuard(Func<Task> body)
    {
        var type = Type.GetType("KdLabs.Cli.NotebookCommands, KdLabs.Cli", throwOnError: true)!;
        var guard = type.GetMethod("GuardAsync", BindingFlags.NonPublic | BindingFlags.Static)!;
        return Captured(() => ((Task<int>)guard.Invoke(null, [new Func<Task<int>>(async () => { await body(); return 0; })])!).GetAwaiter().GetResult());
    }

    private static void AssertBug(Outcome r, string type)
    {
        Assert.True(r.ExitCode == 70, $"exit {r.ExitCode}, expected 70; stderr: {r.Stderr}");
        Assert.StartsWith($"error: unexpected {type}", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("   at ", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("This is a bug in kdlabs", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEndOfStreamIsABugWithItsTraceNotBadData()
    {
        // What a reader that trusted a length it never checked meets: the kit should have said which file is short.
        AssertBug(Guard(() => new BinaryReader(new MemoryStream([1, 2])).ReadInt32()), nameof(EndOfStreamException));
    }

    [Fact]
    public void ASharingViolationBetweenTheKitsOwnHandlesIsABugWithItsTrace()
    {
        string file = Path.Combine(TestData.TempDirectory(), "held.bin");
        using var first = new FileStream(file, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        AssertBug(Guard(() => new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.None).Dispose()), nameof(IOException));
    }

    [Fact]
    public void TheUsersFileConditionsStayOneLineBadData()
    {
        string folder = TestData.TempDirectory();
        var conditions = new List<Action>
        {
            () => File.ReadAllText(Path.Combine(folder, "missing.json")),
            () => File.WriteAllText(Path.Combine(folder, "no-such-folder", "x.json"), "x"),
            // The kit's own IOException, worded for the user (a lock another run holds).
            () => FileLock.Acquire(Path.Combine(folder, "held.lock"), TimeSpan.Zero),
        };
        if (OperatingSystem.IsLinux())
        {
            conditions.Add(() => File.WriteAllBytes("/dev/full", new byte[8192])); // ENOSPC: a full disk
        }
        using var held = FileLock.Acquire(Path.Combine(folder, "held.lock"), TimeSpan.Zero);
        foreach (var condition in conditions)
        {
            AssertOneLineError(Guard(condition), 1);
        }
        if (OperatingSystem.IsLinux())
        {
            Assert.Contains("Free space", Guard(conditions[^1]).Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AUsersFailureInsideAParallelLoopStaysOneLineAndABugThereKeepsItsTrace()
    {
        // `data synth chest-xray --out <a file>` writes its images in a Parallel.For: the folder error came wrapped.
        string missing = Path.Combine(TestData.TempDirectory(), "no-such-folder", "x.json");
        AssertOneLineError(Guard(() => Parallel.For(0, 4, _ => File.WriteAllText(missing, "x"))), 1, missing);
        // Two tasks that both fail, one of them a bug: the whole aggregate is reported, every trace kept.
        AssertBug(Guard(() => Task.WaitAll(Task.Run(() => File.ReadAllText(missing)), Task.Run(() => new BinaryReader(new MemoryStream()).ReadString()))), nameof(AggregateException));
    }

    [Fact]
    public void ALibrarysArgumentErrorInANotebookCommandIsABugWithItsTrace()
    {
        // Not a typed option: the runner called wrongly (custom formatters with a worker process), from deep in its code.
        string notebook = Path.Combine(TestData.TempDirectory(), "empty.ipynb");
        File.WriteAllText(notebook, """{ "cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5 }""");
        var r = NotebookGuard(() => new Notebooks.Execution.NotebookRunner().RunAsync(new Notebooks.Execution.NotebookRunRequest
        {
            NotebookPath = notebook,
            OutputDirectory = TestData.TempDirectory(),
            Formatters = new Notebooks.Formatting.FormatterRegistry(),
            Isolation = Notebooks.Execution.NotebookIsolation.Worker,
        }, CancellationToken.None));
        AssertBug(r, nameof(ArgumentException));
        Assert.Contains("NotebookRunner", r.Stderr, StringComparison.Ordinal);
        // A runtime's FormatException and an end of stream are bugs there too; the kit's reader on a malformed notebook is not.
        AssertBug(NotebookGuard(() => Task.FromResult(int.Parse("x", System.Globalization.CultureInfo.InvariantCulture))), nameof(FormatException));
        AssertBug(NotebookGuard(() => Task.FromResult(new BinaryReader(new MemoryStream()).ReadByte())), nameof(EndOfStreamException));
        File.WriteAllText(notebook, "{ \"cells\": [ ");
        AssertOneLineError(NotebookGuard(() => Task.FromResult(Notebooks.Format.NotebookFile.Load(notebook))), 1, notebook);
    }

    [Fact]
    public void ANotebookCommandsTypedPathErrorsExitTwo()
    {
        string folder = TestData.TempDirectory();
        string notebook = Path.Combine(folder, "lesson.ipynb");
        File.WriteAllText(notebook, """{ "cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5 }""");
        AssertOneLineError(Kdlabs("run", Path.Combine(folder, "missing.ipynb"), "--out", TestData.TempDirectory()), 2, "missing.ipynb", "no such notebook");
        AssertOneLineError(Kdlabs("run", notebook, "--out", folder), 2, "--out", "would overwrite the input notebook");
        AssertOneLineError(Kdlabs("course", "--notebooks", folder, "--out", folder + "/"), 2, "--out", "must differ from the notebooks folder");
        AssertOneLineError(Kdlabs("run", notebook, "-p", "alpha", "--out", TestData.TempDirectory()), 2, "-p alpha");
        AssertOneLineError(Kdlabs("run", notebook, "-p", "alpha=0.5", "--out", TestData.TempDirectory()), 2, "alpha");
    }
}
