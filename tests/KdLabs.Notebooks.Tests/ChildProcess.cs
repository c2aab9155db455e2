using System.Diagnostics;

namespace KdLabs.Notebooks.Tests;

/// <summary>
/// A tool the tests drive (papermill, python3): started with its output captured, killed with its children when it
/// outlives its time. Shared with KdLabs.Kernel.Tests (linked there).
/// </summary>
internal static class ChildProcess
{
    /// <summary>Runs <paramref name="psi"/> (output redirected here); returns exit code, stdout then stderr, and duration.</summary>
    /// <exception cref="TimeoutException">It ran longer than <paramref name="timeout"/> (it is killed first).</exception>
    public static async Task<(int ExitCode, string Output, TimeSpan Duration)> RunAsync(ProcessStartInfo psi, TimeSpan timeout)
    {
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {psi.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(psi.FileName)} {string.Join(' ', psi.ArgumentList.Take(2))} did not finish in {timeout.TotalMinutes:0.#} minutes");
        }

        clock.Stop();
        return (process.ExitCode, await stdout + await stderr, clock.Elapsed);
    }
}
