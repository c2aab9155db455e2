using KdLabs.Kernel;

namespace KdLabs.Notebooks.Tests;

/// <summary>
/// The kit's own kernel as this test process built it, registered in a temporary Jupyter path only (never the user's
/// kernelspecs): started as KdLabs.Kernel.dll with the tests' runtime files, so it runs exactly this checkout's code.
/// </summary>
internal static class KitKernel
{
    public const string Name = KernelSpec.Name;

    private static readonly Lazy<string> JupyterPath = new(() =>
    {
        var prefix = Path.Combine(Path.GetTempPath(), "kdlabs-kit-kernel-tests", "spec-" + Guid.NewGuid().ToString("N")[..8]);
        KernelSpec.Install(KernelSpec.HostedArgv(), KernelSpecScope.Prefix, prefix);
        return Path.Combine(prefix, "share", "jupyter");
    });

    /// <summary>The environment of a Jupyter process that should find the kit's kernel.</summary>
    public static void Configure(IDictionary<string, string?> environment)
    {
        environment["JUPYTER_PATH"] = JupyterPath.Value;
        environment["PYDEVD_DISABLE_FILE_VALIDATION"] = "1";
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
    }
}
