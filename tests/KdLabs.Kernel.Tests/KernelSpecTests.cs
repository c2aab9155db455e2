using System.Diagnostics;
using System.Text.Json.Nodes;

namespace KdLabs.Kernel.Tests;

/// <summary>The kernelspec: what frontends read, written twice to the same bytes, found by Jupyter itself, removed again.</summary>
public sealed class KernelSpecTests : IDisposable
{
    private readonly string _prefix = Path.Combine(Path.GetTempPath(), "kdlabs-kernelspec-tests", Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        if (Directory.Exists(_prefix))
        {
            Directory.Delete(_prefix, recursive: true);
        }
    }

    [Fact]
    public async Task InstallIsIdempotentJupyterListsItAndUninstallRemovesIt()
    {
        string[] argv = ["/usr/bin/dotnet", "/opt/kdlabs/KdLabs.Cli.dll", "kernel", "-f", "{connection_file}"];
        var directory = KernelSpec.Install(argv, KernelSpecScope.Prefix, _prefix);
        var file = Path.Combine(directory, "kernel.json");
        var first = await File.ReadAllBytesAsync(file);
        Assert.Equal(directory, KernelSpec.Install(argv, KernelSpecScope.Prefix, _prefix));
        Assert.Equal(first, await File.ReadAllBytesAsync(file));

        var json = JsonNode.Parse(first)!;
        Assert.Equal("C# (KdLabs)", (string?)json["display_name"]);
        Assert.Equal("C#", (string?)json["language"]);
        Assert.Equal("message", (string?)json["interrupt_mode"]);
        Assert.Equal(argv, json["argv"]!.AsArray().Select(a => (string)a!));
        Assert.Equal("glibc.malloc.arena_max=1", (string?)json["env"]!["GLIBC_TUNABLES"]);
        Assert.Equal("10000", (string?)json["env"]!["GOMP_SPINCOUNT"]);

        // By its folder: the user may have the kit's kernel installed as well.
        Assert.Contains($"\"{directory}\"", await JupyterKernelspecsAsync());
        Assert.Equal(directory, KernelSpec.Uninstall(KernelSpecScope.Prefix, _prefix));
        Assert.DoesNotContain($"\"{directory}\"", await JupyterKernelspecsAsync());
        Assert.Null(KernelSpec.Uninstall(KernelSpecScope.Prefix, _prefix));
    }

    [Fact]
    public void TheUserScopeFollowsJupytersDataFolderRule()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var expected = Environment.GetEnvironmentVariable("JUPYTER_DATA_DIR") is { Length: > 0 } dir ? dir
            : Environment.GetEnvironmentVariable("XDG_DATA_HOME") is { Length: > 0 } xdg ? Path.Combine(xdg, "jupyter")
            : Path.Combine(home, ".local", "share", "jupyter");
        Assert.Equal(Path.Combine(expected, "kernels"), KernelSpec.KernelsDirectory(KernelSpecScope.User));
    }

    /// <summary>`jupyter kernelspec list --json` with only this test's prefix added to the Jupyter path.</summary>
    private async Task<string> JupyterKernelspecsAsync()
    {
        var psi = new ProcessStartInfo(File.Exists("/usr/bin/jupyter") ? "/usr/bin/jupyter" : "jupyter", ["kernelspec", "list", "--json"]);
        psi.Environment["JUPYTER_PATH"] = Path.Combine(_prefix, "share", "jupyter");
        var (exitCode, output, _) = await Notebooks.Tests.ChildProcess.RunAsync(psi, TimeSpan.FromMinutes(1));
        Assert.True(exitCode == 0, "jupyter kernelspec list failed. " + TestKernel.SetupHint + "\n" + output);
        return output;
    }
}
