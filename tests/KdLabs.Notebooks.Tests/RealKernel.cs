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
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "papermill")).FirstOrDefault(File.Exists);
        Assert.True(path is not null, "papermill not found on PATH. " + SetupHint);
        Assert.True(File.Exists(Path.Combine(ToolsDirectory, "dotnet-interactive")), $"dotnet-interactive not found in {ToolsDirectory}. " + SetupHint);
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
}
