using System.Diagnostics;
using KdLabs.Kernel;

namespace KdLabs.Kernel.Tests;

/// <summary>
/// The freshly built kernel registered for this test process only: a kernelspec in a temporary Jupyter path (never the
/// user's), started as this assembly's KdLabs.Kernel.dll with the tests' runtime files; and Debian's python3 to drive it.
/// </summary>
internal static class TestKernel
{
    public const string SetupHint = "Run scripts/setup-kernel.sh (./test.sh does) to install jupyter-client, jupyter_kernel_test, papermill and Notebook.";

    private static readonly Lazy<string> Prefix = new(() =>
    {
        var prefix = Path.Combine(Path.GetTempPath(), "kdlabs-kernel-tests", Guid.NewGuid().ToString("N")[..8]);
        KernelSpec.Install(KernelSpec.HostedArgv(), KernelSpecScope.Prefix, prefix);
        return prefix;
    });

    /// <summary>The JUPYTER_PATH entry that holds the test kernelspec.</summary>
    public static string JupyterPath => Path.Combine(Prefix.Value, "share", "jupyter");

    /// <summary>Debian's python3 (its jupyter-client and jupyter_kernel_test), not another python that PATH may put first.</summary>
    public static string Python()
    {
        var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
        return python;
    }

    /// <summary>The environment every Jupyter process of the tests gets: only the test kernelspec added to the user's.</summary>
    public static void Configure(IDictionary<string, string?> environment)
    {
        environment["JUPYTER_PATH"] = JupyterPath;
        environment["KDLABS_KERNEL_NAME"] = KernelSpec.Name;
        environment["PYDEVD_DISABLE_FILE_VALIDATION"] = "1";
        environment["PYTHONDONTWRITEBYTECODE"] = "1";
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
    }

    /// <summary>Runs <c>python3 -m unittest -v TARGET</c> in the Python folder; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> UnittestAsync(string target, TimeSpan timeout)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Python");
        var psi = new ProcessStartInfo(Python(), ["-m", "unittest", "-v", target]) { WorkingDirectory = folder };
        Configure(psi.Environment);
        var (exitCode, output, _) = await Notebooks.Tests.ChildProcess.RunAsync(psi, timeout);
        Assert.False(output.Contains("No module named", StringComparison.Ordinal), output + "\n" + SetupHint);
        return (exitCode, output);
    }
}
