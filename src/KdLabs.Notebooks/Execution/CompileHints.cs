using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// A hint appended to a compile error whose cause is a difference people trip over between a C# program and a
/// notebook on the .NET Interactive kernel: a package's namespace used before its <c>#r "nuget: ..."</c>, or a global
/// this runner once gave cells (<c>Formatters</c>, <c>CancellationToken</c>) that the kernel never had.
/// </summary>
internal static partial class CompileHints
{
    private static readonly (string Namespace, string Package)[] Packages =
    [
        ("KdLabs", "KdLabs"), ("TorchSharp", "TorchSharp-cpu"), ("Plotly", "Plotly.NET"), ("SkiaSharp", "SkiaSharp"),
        ("Microsoft.Data", "Microsoft.Data.Analysis"),
    ];

    [GeneratedRegex("'(?<name>[^']+)'")]
    private static partial Regex Quoted();

    /// <summary>The hint for <paramref name="error"/>, or null.</summary>
    public static string? For(Diagnostic error)
    {
        if (error.Id is not ("CS0103" or "CS0246" or "CS0234"))
        {
            return null;
        }

        var names = Quoted().Matches(error.GetMessage(CultureInfo.InvariantCulture)).Select(m => m.Groups["name"].Value).ToList();
        // CS0234 names the missing part first and its namespace second ('Data' in 'Microsoft').
        var qualified = error.Id == "CS0234" && names.Count == 2 ? $"{names[1]}.{names[0]}" : names.FirstOrDefault() ?? "";
        if (error.Id == "CS0103" && qualified is "Formatters" or "CancellationToken")
        {
            return $"hint: '{qualified}' is not a notebook global: the .NET Interactive kernel gives a cell display() and HTML() only, and a lesson using anything else fails there";
        }

        foreach (var (ns, package) in Packages)
        {
            if (qualified == ns || qualified.StartsWith(ns + ".", StringComparison.Ordinal))
            {
                return $"hint: as in the .NET Interactive kernel, a package is there only from its #r on: run #r \"nuget: {package}\" (or #r \"nuget: KdLabs\", which brings TorchSharp, Plotly.NET and SkiaSharp) in an earlier cell or at the top of this one";
            }
        }

        return null;
    }
}
