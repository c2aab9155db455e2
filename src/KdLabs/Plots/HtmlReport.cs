using System.Net;
using System.Text;
using KdLabs.Data;
using KdLabs.Infrastructure;
using Plotly.NET;

namespace KdLabs.Plots;

/// <summary>
/// A self-contained HTML report: headings, paragraphs, tables and interactive charts, with plotly.js
/// inlined once so the page opens offline. Written atomically.
/// </summary>
public sealed class HtmlReport(string title)
{
    private readonly StringBuilder body = new();

    /// <summary>Adds a section heading.</summary>
    public HtmlReport Heading(string text)
    {
        body.Append("<h2>").Append(WebUtility.HtmlEncode(text)).Append("</h2>\n");
        return this;
    }

    /// <summary>Adds a paragraph of plain text.</summary>
    public HtmlReport Paragraph(string text)
    {
        body.Append("<p>").Append(WebUtility.HtmlEncode(text)).Append("</p>\n");
        return this;
    }

    /// <summary>Adds preformatted text (commands, logs).</summary>
    public HtmlReport Code(string text)
    {
        body.Append("<pre><code>").Append(WebUtility.HtmlEncode(text)).Append("</code></pre>\n");
        return this;
    }

    /// <summary>Adds a table; the first row is the header.</summary>
    public HtmlReport Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        body.Append("<table><thead><tr>");
        foreach (var h in header)
        {
            body.Append("<th>").Append(WebUtility.HtmlEncode(h)).Append("</th>");
        }
        body.Append("</tr></thead><tbody>\n");
        foreach (var row in rows)
        {
            body.Append("<tr>");
            foreach (var cell in row)
            {
                body.Append("<td>").Append(WebUtility.HtmlEncode(cell)).Append("</td>");
            }
            body.Append("</tr>\n");
        }
        body.Append("</tbody></table>\n");
        return this;
    }

    /// <summary>Adds an interactive chart.</summary>
    public HtmlReport Chart(GenericChart chart)
    {
        body.Append(PlotlyHtml.ChartDiv(chart)).Append('\n');
        return this;
    }

    /// <summary>Adds several charts side by side (wrapping).</summary>
    public HtmlReport ChartRow(IEnumerable<GenericChart> charts)
    {
        body.Append("<div class=\"row\">");
        foreach (var chart in charts)
        {
            body.Append(PlotlyHtml.ChartDiv(chart));
        }
        body.Append("</div>\n");
        return this;
    }

    /// <summary>The whole page.</summary>
    public string ToHtml() =>
        $$"""
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>{{WebUtility.HtmlEncode(title)}}</title>
        <style>
        body { font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #1f2933; }
        table { border-collapse: collapse; margin: 1em 0; } th, td { border: 1px solid #cbd2d9; padding: 4px 10px; text-align: right; }
        th { background: #f0f4f8; } td:first-child, th:first-child { text-align: left; }
        pre { background: #f5f7fa; padding: 0.6em; overflow-x: auto; } .row { display: flex; flex-wrap: wrap; gap: 1em; }
        </style>
        {{PlotlyHtml.LibraryScript()}}
        </head><body>
        <h1>{{WebUtility.HtmlEncode(title)}}</h1>
        {{body}}
        </body></html>
        """;

    /// <summary>Writes the page to <paramref name="path"/> atomically.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToHtml());
}
