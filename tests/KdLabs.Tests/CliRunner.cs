using System.Diagnostics;
using KdLabs.Infrastructure;

namespace KdLabs.Tests;

/// <summary>Runs the real kdlabs CLI (built next to the tests) as a separate process.</summary>
internal static class CliRunner
{
    public static (int ExitCode, string Output) Run(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "KdLabs.Cli.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Infrastructure.KdLabsPaths.RepositoryRoot!,
        };
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }
}
