using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// The metadata references a notebook starts with: the .NET shared framework only, as the .NET Interactive C# kernel
/// gives no package before <c>#r "nuget: ..."</c>. A package's files are added by its #r (<see cref="PathsOf"/>).
/// Nothing of the runner itself (its own types, Roslyn, Markdig) is referenced: Roslyn scripting references the globals
/// type's assembly under the extern alias &lt;host&gt; only, so cells reach display() and HTML() and nothing else of it.
/// Built from files on disk rather than "whatever happens to be loaded", so a notebook compiles the same way in the
/// CLI and in tests.
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

        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    }

    /// <summary>The files a cell needs to compile against <paramref name="package"/>: its assemblies and what they reference, outside the framework.</summary>
    public static IReadOnlyList<string> PathsOf(ProvidedPackage package) =>
        Closure(package.Assemblies)
            .Where(p => !Path.GetFullPath(p).StartsWith(Path.GetFullPath(RuntimeEnvironment.GetRuntimeDirectory()), StringComparison.Ordinal)).ToList();

    private static SortedSet<string> Closure(IEnumerable<Assembly> roots)
    {
        var paths = new SortedSet<string>(StringComparer.Ordinal);
        var frameworkDir = Path.GetFullPath(RuntimeEnvironment.GetRuntimeDirectory());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var queue = new Queue<Assembly>(roots);
        while (queue.Count > 0)
        {
            var assembly = queue.Dequeue();
            if (assembly.IsDynamic || string.IsNullOrEmpty(assembly.Location) || !seen.Add(assembly.Location))
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

        return paths;
    }
}
