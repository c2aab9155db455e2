using System.Text.Json.Nodes;
using KdLabs.Infrastructure;

namespace KdLabs.Kernel.Tests;

/// <summary>`kdlabs kernel tune` / `kdlabs setup` on another kernel's kernelspec: adds what is missing, keeps the rest.</summary>
public sealed class KernelSpecEnvironmentTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "kdlabs-kernelspec-env-tests", Guid.NewGuid().ToString("N")[..8]);

    public KernelSpecEnvironmentTests() => Directory.CreateDirectory(_dir);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string KernelJson => Path.Combine(_dir, "kernel.json");

    // What `dotnet interactive jupyter install` (1.0.712001) writes, and a variable of the user's own.
    private const string DotNetInteractiveSpec = """
        {
          "argv": ["dotnet", "interactive", "jupyter", "--default-kernel", "csharp", "{connection_file}", "--http-port-range", "2048-3000"],
          "display_name": ".NET (C#)",
          "language": "C#",
          "metadata": { "vscode": { "extension_id": "ms-dotnettools.dotnet-interactive-vscode", "kernel_id": "dotnet-interactive" } }
        }
        """;

    [Fact]
    public void AddsBothVariablesKeepsEveryOtherFieldAndASecondRunChangesNothing()
    {
        File.WriteAllText(KernelJson, DotNetInteractiveSpec);
        Assert.Equal(["GLIBC_TUNABLES", "GOMP_SPINCOUNT", "DOTNET_gcServer"], KernelSpecEnvironment.Add(_dir));

        var spec = JsonNode.Parse(File.ReadAllText(KernelJson))!;
        Assert.Equal("glibc.malloc.arena_max=1", (string?)spec["env"]!["GLIBC_TUNABLES"]);
        Assert.Equal("10000", (string?)spec["env"]!["GOMP_SPINCOUNT"]);
        Assert.Equal("0", (string?)spec["env"]!["DOTNET_gcServer"]);
        var before = JsonNode.Parse(DotNetInteractiveSpec)!;
        foreach (var field in new[] { "argv", "display_name", "language", "metadata" })
        {
            Assert.True(JsonNode.DeepEquals(before[field], spec[field]), field);
        }

        var bytes = File.ReadAllBytes(KernelJson);
        Assert.Empty(KernelSpecEnvironment.Add(_dir));
        Assert.Equal(bytes, File.ReadAllBytes(KernelJson));
    }

    [Fact]
    public void AValueTheSpecAlreadySetsIsKept()
    {
        File.WriteAllText(KernelJson, """{ "argv": ["k", "{connection_file}"], "display_name": "k", "language": "C#", "env": { "GOMP_SPINCOUNT": "0", "OTHER": "x" } }""");
        Assert.Equal(["GLIBC_TUNABLES", "DOTNET_gcServer"], KernelSpecEnvironment.Add(_dir));
        var env = JsonNode.Parse(File.ReadAllText(KernelJson))!["env"]!;
        Assert.Equal("0", (string?)env["GOMP_SPINCOUNT"]);
        Assert.Equal("x", (string?)env["OTHER"]);
        Assert.Equal(ComputeEnvironment.Variables["GLIBC_TUNABLES"], (string?)env["GLIBC_TUNABLES"]);
    }

    [Theory]
    [InlineData("{ \"argv\": [", "(top level)")]
    [InlineData("[1, 2]", "(top level)")]
    [InlineData("{ \"argv\": [\"k\"], \"env\": \"GOMP_SPINCOUNT=1\" }", "env")]
    public void ABrokenKernelJsonIsNamedWithItsFieldAndLeftAsItWas(string text, string field)
    {
        File.WriteAllText(KernelJson, text);
        var e = Assert.Throws<DataFormatException>(() => KernelSpecEnvironment.Add(_dir));
        Assert.Contains(KernelJson, e.Message, StringComparison.Ordinal);
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
        Assert.Equal(text, File.ReadAllText(KernelJson));
    }

    [Fact]
    public void AFolderWithoutKernelJsonIsAUserError() =>
        Assert.Contains("kernel.json", Assert.Throws<UserErrorException>(() => KernelSpecEnvironment.Add(_dir)).Message, StringComparison.Ordinal);

    [Fact]
    public void TheResourceFolderIsReadFromJupytersListing()
    {
        const string listing = """{ "kernelspecs": { ".net-csharp": { "resource_dir": "/home/u/.local/share/jupyter/kernels/.net-csharp", "spec": {} } } }""";
        Assert.Equal("/home/u/.local/share/jupyter/kernels/.net-csharp", KernelSpecEnvironment.ResourceDirectory(listing, ".net-csharp"));
        Assert.Null(KernelSpecEnvironment.ResourceDirectory(listing, "python3"));
        Assert.Null(KernelSpecEnvironment.ResourceDirectory("not json", ".net-csharp"));
    }
}
