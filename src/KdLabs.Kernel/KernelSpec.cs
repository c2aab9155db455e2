using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using KdLabs.Infrastructure;

namespace KdLabs.Kernel;

/// <summary>Where a kernelspec goes: Jupyter's per-user folder, the Python environment's, or under a given prefix.</summary>
public enum KernelSpecScope
{
    /// <summary>The user's Jupyter data folder (~/.local/share/jupyter/kernels on Linux; JUPYTER_DATA_DIR when set).</summary>
    User,

    /// <summary>The running Python environment's share/jupyter/kernels (sys.prefix of python3 on PATH).</summary>
    SysPrefix,

    /// <summary>PREFIX/share/jupyter/kernels.</summary>
    Prefix,
}

/// <summary>
/// The kit's kernelspec: name <see cref="Name"/>, display name "C# (KdLabs)", language C#, <c>interrupt_mode: message</c>,
/// and an argv that starts this checkout's built kernel. Installing twice writes the same file (idempotent).
/// </summary>
public static class KernelSpec
{
    /// <summary>The kernel's name: what <c>jupyter console --kernel</c>, <c>papermill -k</c> and notebook metadata use.</summary>
    public const string Name = "kdlabs-csharp";

    /// <summary>What frontends' kernel pickers show.</summary>
    public const string DisplayName = "C# (KdLabs)";

    /// <summary>The kernel.json for a kernel started as <paramref name="argv"/> plus <c>{connection_file}</c> where it belongs.</summary>
    public static JsonObject Json(IReadOnlyList<string> argv) => new()
    {
        ["argv"] = new JsonArray(argv.Select(a => (JsonNode?)JsonValue.Create(a)).ToArray()),
        ["display_name"] = DisplayName,
        ["language"] = Protocol.KernelInfo.Language,
        ["interrupt_mode"] = "message",
        ["metadata"] = new JsonObject { ["debugger"] = false },
        // Jupyter starts the kernel with these added to its environment: see ComputeEnvironment for why cells need them.
        ["env"] = new JsonObject(KdLabs.Infrastructure.ComputeEnvironment.Variables.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)JsonValue.Create(v.Value)))),
    };

    /// <summary>The kernels folder for a scope (the kernelspec goes in its <see cref="Name"/> subfolder).</summary>
    /// <exception cref="UserErrorException">SysPrefix without a python3 to ask, or Prefix without a folder.</exception>
    public static string KernelsDirectory(KernelSpecScope scope, string? prefix = null) => scope switch
    {
        KernelSpecScope.Prefix => Path.Combine(Path.GetFullPath(prefix is { Length: > 0 } p ? p : throw new UserErrorException("--prefix needs a folder, e.g. --prefix /usr/local")), "share", "jupyter", "kernels"),
        KernelSpecScope.SysPrefix => Path.Combine(PythonPrefix(), "share", "jupyter", "kernels"),
        _ => Path.Combine(UserDataDirectory(), "kernels"),
    };

    /// <summary>
    /// An argv that starts this assembly as the kernel with the calling process's runtime and dependency files (dotnet
    /// exec), for a host that carries the kit's assemblies itself; the tests register their kernel so.
    /// </summary>
    internal static IReadOnlyList<string> HostedArgv() =>
        [.. Notebooks.Execution.WorkerCellExecutor.HostedCommand(typeof(KernelHost).Assembly.Location), "-f", "{connection_file}"];

    /// <summary>Writes the kernelspec (atomically) and returns its folder.</summary>
    public static string Install(IReadOnlyList<string> argv, KernelSpecScope scope, string? prefix = null)
    {
        var directory = Path.Combine(KernelsDirectory(scope, prefix), Name);
        Directory.CreateDirectory(directory);
        var text = Json(argv).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
        AtomicFile.WriteAllText(Path.Combine(directory, "kernel.json"), text);
        return directory;
    }

    /// <summary>Removes the kernelspec; returns its folder, or null when it was not installed there.</summary>
    public static string? Uninstall(KernelSpecScope scope, string? prefix = null)
    {
        var directory = Path.Combine(KernelsDirectory(scope, prefix), Name);
        if (!Directory.Exists(directory))
        {
            return null;
        }

        Directory.Delete(directory, recursive: true);
        return directory;
    }

    // Jupyter's own rule (jupyter_core.paths.jupyter_data_dir).
    private static string UserDataDirectory()
    {
        if (Environment.GetEnvironmentVariable("JUPYTER_DATA_DIR") is { Length: > 0 } dir)
        {
            return dir;
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "jupyter");
        }

        if (OperatingSystem.IsMacOS())
        {
            return Path.Combine(home, "Library", "Jupyter");
        }

        return Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg
            ? Path.Combine(xdg, "jupyter")
            : Path.Combine(home, ".local", "share", "jupyter");
    }

    private static string PythonPrefix()
    {
        var psi = new ProcessStartInfo(OperatingSystem.IsWindows() ? "python" : "python3", ["-c", "import sys; print(sys.prefix)"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            using var process = Process.Start(psi)!;
            var prefix = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && prefix.Length > 0
                ? prefix
                : throw new UserErrorException("--sys-prefix: python3 did not report its sys.prefix; use --user or --prefix DIR instead");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new UserErrorException("--sys-prefix: no python3 on PATH to ask for its environment; use --user or --prefix DIR instead");
        }
    }
}
