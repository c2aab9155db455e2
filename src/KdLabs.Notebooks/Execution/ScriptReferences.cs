using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// The metadata references every notebook compiles against: the .NET shared framework plus the kit's packages and
/// what they reference. Built from files on disk rather than "whatever happens to be loaded", so a notebook compiles
/// the same way in the CLI and in tests.
/// </summary>
internal static class ScriptReferences
{
    private static readonly Lazy<IReadOnlyList<MetadataReference>> Default = new(Build);

    public static IReadOnlyList<MetadataReference> All => Default.Value;

    private static IReadOnlyList<MetadataReference> Build()
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        var frameworkDir = Path.GetFullPath(RuntimeEnvironment.GetRuntimeDirectory());

        // The trusted platform list holds managed assemblies only; the runtime folder also has native files.
        var tpa = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (var path in tpa)
        {
            if (Path.GetFullPath(path).StartsWith(frameworkDir, StringComparison.Ordinal))
            {
                paths.Add(path);
            }
        }

        var roots = ProvidedPackages.All.Where(p => !p.OnRequest).SelectMany(p => p.Assemblies).Append(typeof(NotebookGlobals).Assembly);
        return Closure(roots, paths, skipOnRequest: true);
    }

    /// <summary>The files a cell needs to compile against <paramref name="package"/>: its assemblies and what they reference, outside the framework.</summary>
    public static IReadOnlyList<string> PathsOf(ProvidedPackage package) =>
        Closure(package.Assemblies, new SortedSet<string>(StringComparer.Ordinal), skipOnRequest: false)
            .OfType<PortableExecutableReference>().Select(r => r.FilePath!)
            .Where(p => !Path.GetFullPath(p).StartsWith(Path.GetFullPath(RuntimeEnvironment.GetRuntimeDirectory()), StringComparison.Ordinal)).ToList();

    private static IReadOnlyList<MetadataReference> Closure(IEnumerable<Assembly> roots, SortedSet<string> paths, bool skipOnRequest)
    {
        var frameworkDir = Path.GetFullPath(RuntimeEnvironment.GetRuntimeDirectory());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<Assembly>(roots);
        while (queue.Count > 0)
        {
            var assembly = queue.Dequeue();
            // The runner's own formatter references an on-request package; a cell still gets it only by #r.
            if (assembly.IsDynamic || string.IsNullOrEmpty(assembly.Location) || !seen.Add(assembly.Location) || (skipOnRequest && ProvidedPackages.IsOnRequest(assembly)))
            {
                continue;
            }

            paths.Add(assembly.Location);
            if (assembly.Location.StartsWith(frameworkDir, StringComparison.Ordinal))
            {
                continue;
            }

            foreach (var name in assembly.GetReferencedAssemblies())
            {
                if (ProvidedPackages.TryLoad(name.FullName) is { } referenced)
                {
                    queue.Enqueue(referenced);
                }
            }
        }

        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    }
}
