using System.Diagnostics;
using Xunit.Abstractions;

namespace KdLabs.Tests.Reliability;

/// <summary>
/// Kills a real training process (SIGKILL, no chance to clean up) at random moments, checkpoint writes included,
/// and checks that the rerun of the same command resumes and ends with exactly the numbers of an uninterrupted run:
/// the same SHA-256 for teacher and student weights and the same metrics in every epoch.
/// <c>KDLABS_KILL_TRIALS</c> sets the number of kills (3 in the suite; the documented run uses 20).
/// </summary>
public class RandomKillTests(ITestOutputHelper output)
{
    private static readonly string Host = Path.Combine(AppContext.BaseDirectory, "KdLabs.Reliability.KillHost.dll");

    [Fact]
    public void EveryRunKilledAtARandomMomentResumesToTheNumbersOfAnUninterruptedRun()
    {
        int trials = int.TryParse(Environment.GetEnvironmentVariable("KDLABS_KILL_TRIALS"), out int n) && n > 0 ? n : 3;
        var random = new Random(int.TryParse(Environment.GetEnvironmentVariable("KDLABS_KILL_SEED"), out int s) ? s : 2026);
        var clock = Stopwatch.StartNew();
        var (reference, referenceSeconds, _) = RunToEnd(Workspace());
        output.WriteLine($"uninterrupted run: {referenceSeconds:0.0} s, {reference}");

        int midWrite = 0, resumed = 0, passed = 0;
        for (int trial = 1; trial <= trials; trial++)
        {
            var dirs = Workspace();
            // A moment within the run; if the run was faster than that (the machine's load varies), start over in a
            // fresh folder with a moment drawn within that faster run, so every trial is a real kill.
            double bound = 0.9 * referenceSeconds, killAt;
            bool killed;
            while (true)
            {
                killAt = random.NextDouble() * bound;
                (killed, double ran) = StartAndKill(dirs, TimeSpan.FromSeconds(killAt));
                if (killed)
                {
                    break;
                }
                output.WriteLine($"kill {trial}/{trials}: the run finished in {ran:0.0} s, before {killAt:0.00} s; drawing again");
                Directory.Delete(dirs.Root, recursive: true);
                dirs = Workspace();
                bound = 0.9 * ran;
            }
            bool staging = HasStaging(dirs.Root);
            bool hadGeneration = Directory.EnumerateDirectories(dirs.Root, "gen-*", SearchOption.AllDirectories).Any();
            midWrite += staging ? 1 : 0;
            var (result, _, log) = RunToEnd(dirs);
            bool resumedHere = log.Contains("resuming from", StringComparison.Ordinal) || log.Contains("reusing", StringComparison.Ordinal);
            resumed += resumedHere ? 1 : 0;
            output.WriteLine($"kill {trial}/{trials} at {killAt:0.00} s ({(hadGeneration ? "after a checkpoint" : "before any checkpoint")}{(staging ? ", during a checkpoint write" : "")}): " +
                $"rerun {(resumedHere ? "resumed" : "started fresh")}, {(result == reference ? "same numbers" : "DIFFERENT numbers")}");
            Assert.Equal(reference, result);
            Assert.False(HasStaging(dirs.Root), "the rerun left an incomplete checkpoint generation behind");
            Assert.True(!hadGeneration || resumedHere, "a checkpoint existed but the rerun did not say it resumed from it");
            passed++;
            Directory.Delete(dirs.Root, recursive: true);
        }
        output.WriteLine($"random-kill test: {trials} kills, {passed}/{trials} reruns ended with identical numbers ({resumed} resumed from a checkpoint, {midWrite} killed during a checkpoint write), {clock.Elapsed.TotalSeconds:0} s");
    }

    private sealed record Dirs(string Root, string Cache, string Checkpoints);

    private static Dirs Workspace()
    {
        string root = TestData.TempDirectory();
        return new Dirs(root, Path.Combine(root, "cache"), Path.Combine(root, "student"));
    }

    private static ProcessStartInfo Start(Dirs dirs)
    {
        var psi = new ProcessStartInfo("dotnet", [Host, TestData.MnistDirectory, dirs.Checkpoints])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["KDLABS_CACHE"] = dirs.Cache;
        // Widens each checkpoint write (between weights, optimizer and state) so random kills land inside writes too.
        psi.Environment["KDLABS_TEST_CHECKPOINT_PAUSE_MS"] = "250";
        return psi;
    }

    private static (string Result, double Seconds, string Log) RunToEnd(Dirs dirs)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(Start(dirs))!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        string log = stdout + stderr.Result;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {log}");
        string result = stdout.Split('\n').Single(l => l.StartsWith("RESULT ", StringComparison.Ordinal));
        return (result, clock.Elapsed.TotalSeconds, log);
    }

    private static (bool Killed, double Seconds) StartAndKill(Dirs dirs, TimeSpan after)
    {
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(Start(dirs))!;
        process.StandardOutput.ReadToEndAsync();
        process.StandardError.ReadToEndAsync();
        if (process.WaitForExit(after))
        {
            return (false, clock.Elapsed.TotalSeconds);
        }
        process.Kill(entireProcessTree: true); // SIGKILL on Linux
        process.WaitForExit();
        return (true, clock.Elapsed.TotalSeconds);
    }

    private static bool HasStaging(string root) =>
        Directory.EnumerateDirectories(root, ".staging-*", SearchOption.AllDirectories).Any();
}
