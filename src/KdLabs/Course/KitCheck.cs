using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Reflection;
using KdLabs.Data;
using KdLabs.Infrastructure;

namespace KdLabs.Course;

/// <summary>The result of <see cref="KitCheck.Verify()"/>: whether the loaded KdLabs is current, and what to do if not.</summary>
/// <param name="Ok">True when the loaded library matches this checkout (or cannot be compared).</param>
/// <param name="Version">The loaded KdLabs version, e.g. 0.1.0.</param>
/// <param name="LoadedFrom">Where the loaded KdLabs.dll lives.</param>
/// <param name="Message">One or two sentences for the learner; when not <paramref name="Ok"/>, the command to run.</param>
public sealed record KitStatus(bool Ok, string Version, string LoadedFrom, string Message)
{
    /// <summary>The message with ✓ or ✗ in front.</summary>
    public override string ToString() => $"{(Ok ? "✓" : "✗")} {Message}";
}

/// <summary>
/// The first cell's check that the KdLabs library a notebook loaded is the one this checkout would build. In Polyglot
/// Notebooks / Jupyter, KdLabs comes from the package that <c>./kdlabs setup</c> packs into <c>artifacts/packages</c>;
/// NuGet then keeps a copy per version in its global cache, so after the sources change the kernel can keep loading an
/// old copy. In the kit's runner (<c>./kdlabs run</c>, the tests) KdLabs is the runner's own build.
/// </summary>
public static class KitCheck
{
    /// <summary>What the learner runs, from the repository root, to build the package and fetch the data.</summary>
    public const string SetupCommand = "./kdlabs setup";

    /// <summary>Folder of the local package source, relative to the repository root.</summary>
    public const string PackageFolder = "artifacts/packages";

    /// <summary>
    /// Checks the loaded KdLabs against <c>artifacts/packages</c> and <c>src/KdLabs</c> of the checkout the notebook is in.
    /// Returns the status (shown by the cell). Throws <see cref="InvalidOperationException"/> with the fix only when KdLabs
    /// was loaded from a NuGet package that is definitely not the current one, so "Run All" stops at the first cell.
    /// </summary>
    public static KitStatus Verify()
    {
        var kdlabs = typeof(KitCheck).Assembly;
        string? root = KdLabsPaths.RepositoryRoot;
        var status = Check(VersionOf(kdlabs), kdlabs.Location, kdlabs.ManifestModule.ModuleVersionId, root,
            root is null ? null : Path.Combine(root, PackageFolder));
        if (!status.Ok && IsNuGetPackageFolder(status.LoadedFrom))
        {
            throw new InvalidOperationException(status.Message);
        }
        // Only a Jupyter host loads KdLabs from NuGet's cache; the kit's own CLI, runner and kernel set the variables themselves.
        return IsNuGetPackageFolder(status.LoadedFrom) && OperatingSystem.IsLinux()
            ? WithComputeEnvironment(status, ComputeEnvironment.MissingHere())
            : status;
    }

    private static string Listed(IReadOnlyList<string> items) =>
        items.Count <= 2 ? string.Join(" and ", items) : $"{string.Join(", ", items.Take(items.Count - 1))} and {items[^1]}";

    /// <summary>The start of the sentence <see cref="WithComputeEnvironment"/> adds: what the tests look for.</summary>
    internal const string ComputeEnvironmentHint = "This kernel started without";

    /// <summary>
    /// <paramref name="status"/> with a sentence on the <see cref="ComputeEnvironment"/> variables the kernel lacks, if any:
    /// they are read when the process starts, so only a restarted kernel gets them.
    /// </summary>
    internal static KitStatus WithComputeEnvironment(KitStatus status, IReadOnlyList<string> missing) => missing.Count == 0
        ? status
        : status with
        {
            Message = $"{status.Message} {ComputeEnvironmentHint} {Listed(missing.Select(n => $"{n}={ComputeEnvironment.Variables[n]}").ToList())} "
                + "(one malloc arena, a short OpenMP spin, the workstation GC), so long cells run slower and hold more memory (docs/speed.md): "
                + $"run `{SetupCommand}`, which adds them to the .NET (C#) kernel's kernelspec, then restart the kernel "
                + "(a host that starts the kernel itself, such as Polyglot Notebooks, needs them exported before it starts).",
        };

    /// <summary>
    /// The check itself, from the loaded assembly's version, file and module version id (MVID), for any checkout and
    /// package folder (the tests use fake ones).
    /// </summary>
    internal static KitStatus Check(string version, string location, Guid moduleVersionId, string? repositoryRoot, string? packageFolder)
    {
        string loadedFrom = location.Length > 0 ? Path.GetDirectoryName(location)! : "(in memory)";
        if (repositoryRoot is null || packageFolder is null)
        {
            return new KitStatus(true, version, loadedFrom,
                $"KdLabs {version} loaded from {loadedFrom}. Not inside a KdLabs checkout, so its freshness cannot be checked.");
        }

        var newestSource = NewestSource(repositoryRoot);
        if (IsNuGetPackageFolder(loadedFrom))
        {
            string nupkg = Path.Combine(packageFolder, $"KdLabs.{version}.nupkg");
            string fix = $"In a terminal at {repositoryRoot} run `{SetupCommand}`, then restart the kernel (Polyglot: Restart in the notebook toolbar) and run this cell again.";
            if (!File.Exists(nupkg))
            {
                return new KitStatus(false, version, loadedFrom,
                    $"KdLabs {version} came from NuGet's cache ({loadedFrom}), but {PackageFolder}/KdLabs.{version}.nupkg does not exist in this checkout. {fix}");
            }
            if (PackagedModuleId(nupkg) is { } packaged && packaged != moduleVersionId)
            {
                return new KitStatus(false, version, loadedFrom,
                    $"the kernel loaded an older KdLabs {version} than {PackageFolder} holds (NuGet reuses the first copy of a version it extracted). {fix}");
            }
            if (newestSource is { } src && src.Time > File.GetLastWriteTimeUtc(nupkg))
            {
                return new KitStatus(false, version, loadedFrom,
                    $"{Relative(repositoryRoot, src.Path)} changed after the KdLabs package was built ({File.GetLastWriteTimeUtc(nupkg):yyyy-MM-dd HH:mm} UTC). {fix}");
            }
            return new KitStatus(true, version, loadedFrom,
                $"KdLabs {version} from {PackageFolder} (built {File.GetLastWriteTimeUtc(nupkg):yyyy-MM-dd HH:mm} UTC) is loaded and matches src/KdLabs.");
        }

        // The kit's runner, the CLI or the tests: KdLabs is a project build.
        var built = location.Length > 0 ? File.GetLastWriteTimeUtc(location) : DateTime.MinValue;
        if (newestSource is { } newer && built != DateTime.MinValue && newer.Time > built)
        {
            return new KitStatus(false, version, loadedFrom,
                $"the KdLabs build in {loadedFrom} is older than {Relative(repositoryRoot, newer.Path)}: rebuild (./kdlabs rebuilds by itself; otherwise dotnet build KdLabs.sln).");
        }
        return new KitStatus(true, version, loadedFrom,
            $"KdLabs {version} is loaded from a build of this checkout ({Relative(repositoryRoot, loadedFrom)}) and is up to date with src/KdLabs.");
    }

    /// <summary>True for a folder inside an extracted NuGet package (…/kdlabs/0.1.0/lib/net10.0).</summary>
    internal static bool IsNuGetPackageFolder(string directory)
    {
        var packageRoot = Directory.GetParent(directory)?.Parent;
        return packageRoot is not null && (File.Exists(Path.Combine(packageRoot.FullName, ".nupkg.metadata"))
            || File.Exists(Path.Combine(packageRoot.FullName, "kdlabs.nuspec")));
    }

    /// <summary>The module version id (MVID) of lib/*/KdLabs.dll inside a .nupkg, or null when it has none.</summary>
    internal static Guid? PackagedModuleId(string nupkg)
    {
        using var zip = ZipFile.OpenRead(nupkg);
        var entry = zip.Entries.FirstOrDefault(e => e.FullName.StartsWith("lib/", StringComparison.Ordinal)
            && e.FullName.EndsWith("/KdLabs.dll", StringComparison.OrdinalIgnoreCase));
        if (entry is null)
        {
            return null;
        }
        using var memory = new MemoryStream();
        using (var stream = entry.Open())
        {
            stream.CopyTo(memory);
        }
        memory.Position = 0;
        using var pe = new PEReader(memory);
        var reader = pe.GetMetadataReader();
        return reader.GetGuid(reader.GetModuleDefinition().Mvid);
    }

    private static (string Path, DateTime Time)? NewestSource(string repositoryRoot)
    {
        string dir = Path.Combine(repositoryRoot, "src", "KdLabs");
        if (!Directory.Exists(dir))
        {
            return null;
        }
        return Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                     && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (Path: f, Time: File.GetLastWriteTimeUtc(f)))
            .OrderByDescending(p => p.Time)
            .Select(p => ((string, DateTime)?)p)
            .FirstOrDefault();
    }

    private static string VersionOf(Assembly assembly)
    {
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(informational))
        {
            int plus = informational.IndexOf('+');
            return plus > 0 ? informational[..plus] : informational;
        }
        return assembly.GetName().Version?.ToString(3) ?? "?";
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');
}
