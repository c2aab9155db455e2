using System.Collections;
using KdLabs.Course;
using KdLabs.Notebooks.Formatting;
using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;
using TorchSharp;

namespace KdLabs.Interactive;

/// <summary>
/// Registers the kit runner's formatters with .NET Interactive, type by type, for the MIME types the runner gives
/// each type, so a cell shows the same bundle in both hosts: charts (plotly.js inlined with the first chart of each cell
/// execution, no CDN; not once per notebook as in the kit's runner, see <see cref="DisplayBundles"/>), sequences as column
/// tables, tensors, DataFrames, and exercise results / the kit check as one ✓/✗ line. Every display formats the value
/// again, so a value mutated since it was last shown shows its new content.
/// </summary>
public static class KernelFormatters
{
    /// <summary>The MIME types the kit's runner emits, per value type.</summary>
    private static readonly (Type Type, string[] MimeTypes)[] Types =
    [
        (typeof(GenericChart), ["text/html", "text/plain"]),
        (typeof(torch.Tensor), ["text/plain", "text/html"]),
        (typeof(ExerciseResult), ["text/plain"]),
        (typeof(KitStatus), ["text/plain"]),
        (typeof(IEnumerable), ["text/plain", "text/html"]),
    ];

    private static int _registered;

    /// <summary>Registers the formatters once per process.</summary>
    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1)
        {
            return;
        }

        foreach (var (type, mimeTypes) in Types)
        {
            RegisterType(type, mimeTypes);
        }

        // Microsoft.Data.Analysis is not a dependency of the KdLabs package: DataFrames get the kit's formatters once a
        // notebook loads it (#r "nuget: Microsoft.Data.Analysis"), now or later in the session. The package's own kernel
        // extension registers an HTML table after that, which then wins for text/html; the text stays the kit's.
        AppDomain.CurrentDomain.AssemblyLoad += (_, e) => RegisterDataFramesIfLoaded(e.LoadedAssembly);
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            RegisterDataFramesIfLoaded(assembly);
        }

        // Strings are sequences too: text/plain only, as in the kit's runner.
        Formatter.SetPreferredMimeTypesFor(typeof(string), "text/plain");
    }

    private static int _dataFramesRegistered;

    private static void RegisterType(Type type, string[] mimeTypes)
    {
        foreach (var mimeType in mimeTypes)
        {
            Formatter.Register(new KitTypeFormatter(type, mimeType, startsRequest: mimeType == mimeTypes[0]));
        }

        Formatter.SetPreferredMimeTypesFor(type, mimeTypes);
    }

    private static void RegisterDataFramesIfLoaded(System.Reflection.Assembly assembly)
    {
        if (assembly.IsDynamic || assembly.GetName().Name != "Microsoft.Data.Analysis" || assembly.GetType(DataFrameFormatter.TypeName) is not { } dataFrame)
        {
            return;
        }

        if (Interlocked.Exchange(ref _dataFramesRegistered, 1) == 0)
        {
            RegisterType(dataFrame, ["text/plain", "text/html"]);
        }
    }

    private sealed class KitTypeFormatter(Type type, string mimeType, bool startsRequest) : ITypeFormatter
    {
        public string MimeType { get; } = mimeType;

        public Type Type { get; } = type;

        public bool Format(object instance, Microsoft.DotNet.Interactive.Formatting.FormatContext context)
        {
            if (!Type.IsInstanceOfType(instance))
            {
                return false;
            }

            if (!DisplayBundles.For(instance, MimeType, startsRequest).TryGetText(MimeType, out var text))
            {
                return false;
            }

            context.Writer.Write(text);
            return true;
        }
    }
}
