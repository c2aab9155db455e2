using System.Diagnostics;

namespace KdLabs.Notebooks.Tests;

/// <summary>Where the real .NET Interactive kernel and papermill are, and the environment the kernel runs in.</summary>
internal static class RealKernel
{
    public const string KernelName = ".net-csharp";

    public const string SetupHint = "Run scripts/setup-kernel.sh (./test.sh does) to install papermill and the dotnet-interactive tool and register the kernel.";

    public static string ToolsDirectory =>
        Environment.GetEnvironmentVariable("DOTNET_TOOLS_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools");

    /// <summary>The papermill executable; fails the test with the fix when it is missing.</summary>
    public static string Papermill()
    {
        var path = PapermillExecutable();
        Assert.True(File.Exists(Path.Combine(ToolsDirectory, "dotnet-interactive")), $"dotnet-interactive not found in {ToolsDirectory}. " + SetupHint);
        return path;
    }

    /// <summary>The papermill executable alone (the kit's own kernel needs no dotnet tool).</summary>
    public static string PapermillExecutable()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "papermill")).FirstOrDefault(File.Exists);
        Assert.True(path is not null, "papermill not found on PATH. " + SetupHint);
        return path!;
    }

    /// <summary>PATH with the dotnet tools (the kernel spec runs `dotnet interactive`).</summary>
    public static void ConfigureEnvironment(IDictionary<string, string?> environment)
    {
        environment["PATH"] = (Environment.GetEnvironmentVariable("PATH") ?? "") + Path.PathSeparator + ToolsDirectory;
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_NOLOGO"] = "1";
        environment["PYDEVD_DISABLE_FILE_VALIDATION"] = "1";
    }

    /// <summary>
    /// Runs <paramref name="input"/> on the real kernel with papermill, the kernel's working directory
    /// <paramref name="workingDirectory"/>; kills the run after <paramref name="timeout"/>. Returns papermill's exit code
    /// and its log (stdout, then stderr); the executed notebook is at <paramref name="output"/> when papermill wrote one.
    /// </summary>
    public static Task<PapermillRun> PapermillAsync(string input, string output, string workingDirectory, TimeSpan timeout, params string[] extraArguments) =>
        PapermillOnAsync(Papermill(), KernelName, ConfigureEnvironment, input, output, workingDirectory, timeout, extraArguments);

    /// <summary>The same on kernel <paramref name="kernelName"/>, with the environment <paramref name="configure"/> sets.</summary>
    public static async Task<PapermillRun> PapermillOnAsync(string papermill, string kernelName, Action<IDictionary<string, string?>> configure, string input, string output, string workingDirectory, TimeSpan timeout, params string[] extraArguments)
    {
        var psi = new ProcessStartInfo(papermill,
            [input, output, "-k", kernelName, .. extraArguments, "--cwd", workingDirectory, "--no-progress-bar", "--execution-timeout", ((int)timeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        configure(psi.Environment);
        var (exitCode, log, duration) = await ChildProcess.RunAsync(psi, timeout);
        return new PapermillRun(exitCode, log, duration);
    }
}

/// <summary>One papermill process: its exit code, its log and how long it ran.</summary>
internal sealed record PapermillRun(int ExitCode, string Log, TimeSpan Duration);
