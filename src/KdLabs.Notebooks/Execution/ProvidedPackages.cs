using System.Reflection;
using System.Runtime.InteropServices;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// The packages the runner provides to notebooks: the ones the kit ships (KdLabs, TorchSharp, Plotly.NET, ...),
/// plus any assembly of the .NET shared framework. Nothing is downloaded.
/// </summary>
public static class ProvidedPackages
{
    private static readonly Lazy<IReadOnlyList<ProvidedPackage>> Packages = new(Discover);

    /// <summary>The kit's packages, in a stable order.</summary>
    public static IReadOnlyList<ProvidedPackage> All => Packages.Value;

    /// <summary>Finds a package by id (case-insensitive); framework assemblies count as packages of .NET itself.</summary>
    public static ProvidedPackage? Find(string name)
    {
        var package = All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
        if (package is not null)
        {
            return package;
        }

        var frameworkFile = Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), name + ".dll");
        if (File.Exists(frameworkFile))
        {
            return new ProvidedPackage(name, Environment.Version.ToString(), []);
        }

        return null;
    }

    /// <summary>"KdLabs 0.1.0, TorchSharp-cpu 0.107.0, ..." for error messages.</summary>
    public static string Describe() => string.Join(", ", All.Select(p => p.ToString())) + " and the .NET base class library";

    private static IReadOnlyList<ProvidedPackage> Discover()
    {
        var torch = typeof(TorchSharp.torch).Assembly;
        var plotly = typeof(Plotly.NET.GenericChart).Assembly;
        var plotlyCSharp = typeof(Plotly.NET.CSharp.Chart).Assembly;
        var dataAnalysis = typeof(Microsoft.Data.Analysis.DataFrame).Assembly;
        var skia = typeof(SkiaSharp.SKBitmap).Assembly;

        var list = new List<ProvidedPackage>();
        if (TryLoad("KdLabs") is { } kdlabs)
        {
            // The KdLabs package's NuGet dependencies (its nuspec), not only what KdLabs.dll happens to reference:
            // #r "nuget: KdLabs" gives a cell all of them in the kernel.
            Assembly[] dependencies = [torch, plotly, plotlyCSharp, skia, .. TryLoad("TorchSharp.PyBridge") is { } pyBridge ? [pyBridge] : Array.Empty<Assembly>()];
            list.Add(new ProvidedPackage("KdLabs", VersionOf(kdlabs), [kdlabs, .. dependencies]));
        }

        list.Add(Make("TorchSharp-cpu", torch));
        list.Add(Make("TorchSharp", torch));
        list.Add(Make("Plotly.NET", plotly));
        list.Add(Make("Plotly.NET.CSharp", plotlyCSharp));
        list.Add(Make("Microsoft.Data.Analysis", dataAnalysis));
        list.Add(Make("SkiaSharp", skia));
        return list;
    }

    private static ProvidedPackage Make(string name, Assembly assembly) => new(name, VersionOf(assembly), [assembly]);

    private static string VersionOf(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (!string.IsNullOrEmpty(informational))
        {
            // Drop SourceLink's "+commit" suffix; the package version is what people write in #r.
            var plus = informational.IndexOf('+');
            return plus > 0 ? informational[..plus] : informational;
        }

        return assembly.GetName().Version?.ToString(3) ?? "?";
    }

    internal static Assembly? TryLoad(string name)
    {
        try
        {
            return Assembly.Load(new AssemblyName(name));
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null;
        }
    }
}
