using System.Net;
using Plotly.NET;

namespace KdLabs.Plots;

/// <summary>
/// Turns Plotly.NET charts into HTML that works offline: plotly.js is read from the copy embedded in
/// the Plotly.NET assembly and inlined once per page, so no page the kit writes loads anything from
/// the network.
/// </summary>
public static class PlotlyHtml
{
    private static readonly Lazy<string> Library = new(() =>
    {
        var assembly = typeof(GenericChart).Assembly;
        string name = assembly.GetManifestResourceNames().Single(n => n.EndsWith(".min.js", StringComparison.Ordinal));
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary>The plotly.js library itself, as embedded in Plotly.NET (for pages that serve it as a file, like the studio).</summary>
    public static string LibraryJavaScript() => Library.Value;

    /// <summary>A <c>&lt;script&gt;</c> element holding the whole plotly.js library.</summary>
    public static string LibraryScript() => $"<script type=\"text/javascript\">{Library.Value.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase)}</script>";

    /// <summary>
    /// A <c>&lt;div&gt;</c> and the script that draws <paramref name="chart"/> into it. The page must
    /// include <see cref="LibraryScript"/> once, before the first chart.
    /// </summary>
    public static string ChartDiv(GenericChart chart, string? id = null)
    {
        id ??= "chart-" + Guid.NewGuid().ToString("N")[..12];
        string json = GenericChart.toFigureJson(chart).Replace("</", "<\\/", StringComparison.Ordinal);
        return $"<div id=\"{WebUtility.HtmlEncode(id)}\" class=\"kd-chart\"></div>\n<script type=\"text/javascript\">(function(){{var f={json};Plotly.newPlot('{id}',f.data,f.layout,{{responsive:true,displaylogo:false}});}})();</script>";
    }

    /// <summary>A complete, self-contained HTML page showing one chart.</summary>
    public static string Page(GenericChart chart, string title) =>
        $"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{WebUtility.HtmlEncode(title)}</title>{LibraryScript()}</head><body>{ChartDiv(chart)}</body></html>";
}
