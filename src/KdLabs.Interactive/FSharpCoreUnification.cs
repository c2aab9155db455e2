using System.Reflection;
using System.Runtime.Loader;

namespace KdLabs.Interactive;

/// <summary>
/// Plotly.NET 6 is compiled against FSharp.Core 10.1; the .NET Interactive kernel ships and has already loaded
/// FSharp.Core 10.0 into the default load context, where a second FSharp.Core can never be loaded. This hands every
/// request for a newer FSharp.Core the one the kernel loaded (the same unification a binding redirect does on .NET
/// Framework). Plotly.NET only uses FSharp.Core API that 10.0 has (every chart of the six lessons draws); a call into
/// API that only a newer FSharp.Core has would fail with MissingMethodException, naming the method.
/// </summary>
public static class FSharpCoreUnification
{
    private static int _installed;

    [ThreadStatic]
    private static bool _resolving;

    /// <summary>Installs the resolver once per process.</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1)
        {
            return;
        }

        AssemblyLoadContext.Default.Resolving += (_, requested) => Resolve(requested);
        AppDomain.CurrentDomain.AssemblyResolve += (_, args) => Resolve(new AssemblyName(args.Name));
    }

    /// <summary>The loaded FSharp.Core when <paramref name="requested"/> asks for the same or a newer one, else null.</summary>
    internal static Assembly? Resolve(AssemblyName requested)
    {
        if (!string.Equals(requested.Name, "FSharp.Core", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var loaded = AssemblyLoadContext.Default.Assemblies
            .FirstOrDefault(a => string.Equals(a.GetName().Name, "FSharp.Core", StringComparison.OrdinalIgnoreCase));
        if (loaded is null && !_resolving)
        {
            // Not loaded yet: the kernel's own copy (its deps.json lists it), asked for without a version.
            _resolving = true;
            try
            {
                loaded = AssemblyLoadContext.Default.LoadFromAssemblyName(new AssemblyName("FSharp.Core"));
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException)
            {
                return null;
            }
            finally
            {
                _resolving = false;
            }
        }

        // Only within one major version: a newer major may remove API, which should fail loudly at load.
        return loaded?.GetName().Version is { } version && (requested.Version is null || version.Major == requested.Version.Major)
            ? loaded
            : null;
    }
}
