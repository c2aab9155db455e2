using System.Reflection;
using System.Text.RegularExpressions;
using KdLabs.Notebooks.Format;
using Plotly.NET;

namespace KdLabs.Notebooks.Formatting;

/// <summary>
/// A Plotly.NET chart (Plotly.NET.CSharp charts are the same <see cref="GenericChart"/> type) as HTML that works
/// offline: plotly.js comes from the copy embedded in Plotly.NET and is inlined once per notebook (the first chart
/// carries it; the HTML page renderer lifts it into the page head).
/// </summary>
public sealed partial class PlotlyChartFormatter : IValueFormatter
{
    /// <summary>Library name used with <see cref="FormatContext.EmittedLibraries"/>.</summary>
    public const string LibraryName = "plotly.js";

    private static readonly Lazy<string> PlotlyJs = new(LoadPlotlyJs);

    /// <inheritdoc />
    public bool CanFormat(object value) => value is GenericChart;

    /// <inheritdoc />
    public MimeBundle Format(object value, FormatContext context)
    {
        var chart = (GenericChart)value;
        // toChartHTML gives the chart's div and the script that draws it, with no reference to any plotly.js source.
        var chartHtml = DrawWhenReady(GenericChart.toChartHTML(chart));
        var html = context.EmittedLibraries.Add(LibraryName)
            ? Html.LibraryScript(LibraryName, PlotlyJs.Value) + "\n" + chartHtml
            : chartHtml;
        return new MimeBundle().Set("text/html", html).Set("text/plain", "Plotly chart");
    }

    /// <summary>
    /// Plotly.NET's script calls its render function at once; in a notebook front end the output carrying plotly.js may
    /// still be loading (or be a later output after a re-run), so wait for <c>window.Plotly</c>, for up to 20 s.
    /// </summary>
    internal static string DrawWhenReady(string chartHtml) => RenderCall().Replace(chartHtml, m =>
        $"(function kdDraw(tries) {{ if (window.Plotly) {{ {m.Groups["fn"].Value}(); }} else if (tries > 0) {{ setTimeout(function () {{ kdDraw(tries - 1); }}, 50); }} }})(400);");

    [GeneratedRegex(@"(?<fn>renderPlotly_[0-9A-Za-z_]+)\(\);")]
    private static partial Regex RenderCall();

    /// <summary>The plotly.js bundle shipped inside Plotly.NET (read from its embedded resource).</summary>
    public static string PlotlyJsSource => PlotlyJs.Value;

    private static string LoadPlotlyJs()
    {
        var assembly = typeof(GenericChart).Assembly;
        var name = assembly.GetManifestResourceNames()
            .FirstOrDefault(n => n.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal) && n.EndsWith(".min.js", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("Plotly.NET does not embed a plotly.min.js resource");
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
