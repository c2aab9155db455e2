using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using KdLabs.Infrastructure;
using KdLabs.Tests;

namespace KdLabs.Bench.Tests;

/// <summary>
/// The benchmarks stay beside the KdLabs package, not in it: every learner restores that package, and none of them
/// runs the suite. The package is packed as <c>kdlabs setup</c> packs it, and every assembly in it is read.
/// </summary>
public class PackageContentsTests
{
    // Names a benchmark type takes (a suite, a profile, a benchmark, the page generator); the labs' own latency
    // measurement (lesson 00 and the labs time their models) is course content and stays.
    private static readonly Regex BenchName = new("Bench|Profil", RegexOptions.IgnoreCase);
    private static readonly HashSet<string> CourseContent = ["KdLabs.Evaluation.LatencyBenchmark"];

    [Fact]
    public void ThePackedKdLabsPackageHasNoBenchmarkType()
    {
        string nupkg = Pack();
        using var zip = ZipFile.OpenRead(nupkg);
        var assemblies = zip.Entries.Where(e => e.FullName.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.Contains(assemblies, e => e.FullName.StartsWith("lib/", StringComparison.Ordinal) && e.Name == "KdLabs.dll");
        Assert.DoesNotContain(zip.Entries, e => e.Name.Contains("Bench", StringComparison.OrdinalIgnoreCase)
                                                || e.FullName.Contains("results/", StringComparison.Ordinal));

        // Whatever its name, no type of the bench assembly may turn up in the package under any namespace.
        var benchTypes = typeof(BenchSuite).Assembly.GetTypes().Where(t => !t.IsNested && t.Namespace == "KdLabs.Bench").Select(t => t.Name).ToHashSet();
        Assert.Contains(nameof(BenchSuite), benchTypes);
        var found = new List<string>();
        foreach (var entry in assemblies)
        {
            foreach (string type in TypeNames(entry))
            {
                string name = type[(type.LastIndexOf('.') + 1)..];
                if ((BenchName.IsMatch(type) && !CourseContent.Contains(type)) || benchTypes.Contains(name))
                {
                    found.Add($"{type} in {entry.FullName}");
                }
            }
        }
        Assert.True(found.Count == 0, "benchmark types in the KdLabs package (they belong in tools/KdLabs.Bench): " + string.Join(", ", found));
    }

    [Fact]
    public void TheLibraryTheTestsLoadHasNoBenchmarkTypeEither()
    {
        var library = typeof(KdLabsPaths).Assembly;
        Assert.Equal("KdLabs", library.GetName().Name);
        var found = library.GetTypes().Select(t => t.FullName!).Where(n => BenchName.IsMatch(n) && !CourseContent.Contains(n) && !n.Contains('+') && !n.Contains('<'));
        Assert.Empty(found);
    }

    /// <summary>Every top-level type defined in one assembly of the package, as "Namespace.Name", read without loading it.</summary>
    private static List<string> TypeNames(ZipArchiveEntry entry)
    {
        using var stream = new MemoryStream();
        using (var source = entry.Open())
        {
            source.CopyTo(stream);
        }
        stream.Position = 0;
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata)
        {
            return [];
        }
        var metadata = pe.GetMetadataReader();
        return metadata.TypeDefinitions.Select(metadata.GetTypeDefinition)
            .Where(t => t.GetDeclaringType().IsNil)
            .Select(t => $"{metadata.GetString(t.Namespace)}.{metadata.GetString(t.Name)}")
            .ToList();
    }

    /// <summary>
    /// <c>dotnet pack src/KdLabs</c> into a temporary folder in this test run's configuration, whose build is then up to
    /// date (not --no-build: the pack builds the kernel extension it carries); returns the .nupkg.
    /// </summary>
    private static string Pack()
    {
        string root = KdLabsPaths.RepositoryRoot ?? throw new InvalidOperationException("run the tests from a checkout: no KdLabs.sln above here.");
        string configuration = typeof(PackageContentsTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        string output = TestData.TempDirectory();
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        // The nuspec goes to the temporary folder too, so a concurrent `kdlabs setup` pack never shares a file with this one.
        foreach (string a in new[] { "pack", Path.Combine(root, "src", "KdLabs", "KdLabs.csproj"), "-c", configuration, "-o", output,
                     $"-p:NuspecOutputPath={output}", "-nologo", "-v", "quiet", "-clp:ErrorsOnly" })
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"dotnet pack failed (exit {p.ExitCode}):\n{stdout}{stderr.Result}");
        return Directory.GetFiles(output, "KdLabs.*.nupkg").Single(f => !f.EndsWith(".symbols.nupkg", StringComparison.Ordinal));
    }
}
