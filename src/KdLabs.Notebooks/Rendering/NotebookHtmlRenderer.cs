using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KdLabs.Notebooks.Format;
using KdLabs.Notebooks.Formatting;

namespace KdLabs.Notebooks.Rendering;

/// <summary>
/// Renders an executed notebook as one self-contained HTML page: markdown rendered, code with outputs, charts
/// interactive offline. Script libraries marked by formatters (plotly.js) are lifted into the head once.
/// </summary>
public static partial class NotebookHtmlRenderer
{
    [GeneratedRegex("""<script\b[^>]*\bdata-kdlabs-library="(?<name>[^"]+)"[^>]*>(?<body>.*?)</script>""", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex LibraryScript();

    [GeneratedRegex(@"\x1B\[[0-9;]*[A-Za-z]")]
    private static partial Regex AnsiEscape();

    /// <summary>Renders the page.</summary>
    public static string Render(Notebook notebook, NotebookPageInfo info)
    {
        var libraries = new Dictionary<string, string>(StringComparer.Ordinal);
        var body = new StringBuilder();
        var status = info.Status.ToString();
        body.Append("<body>\n<header>")
            .Append("<h1>").Append(Html.Encode(info.Title)).Append("</h1>")
            .Append("<p class=\"meta\"><span class=\"status status-").Append(status.ToLowerInvariant()).Append("\">")
            .Append(status).Append("</span> · ").Append(FormatDuration(info.Duration));
        if (info.Parameters.Count > 0)
        {
            body.Append(" · parameters: ").Append(Html.Encode(string.Join(", ", info.Parameters.Select(p => $"{p.Key}={p.Value}"))));
        }

        body.Append("</p>");
        if (info.ErrorMessage is { } error)
        {
            body.Append("<p class=\"meta status-failed\">").Append(Html.Encode(error)).Append("</p>");
        }

        body.Append("</header>\n<main>\n");

        foreach (var cell in notebook.Cells)
        {
            switch (cell.CellType)
            {
                case CellType.Markdown:
                    body.Append("<section class=\"cell markdown\">").Append(MarkdownRenderer.ToHtml(cell.Source)).Append("</section>\n");
                    break;
                case CellType.Raw:
                    body.Append("<section class=\"cell raw\"><pre>").Append(Html.Encode(cell.Source)).Append("</pre></section>\n");
                    break;
                default:
                    RenderCode(cell, body, libraries);
                    break;
            }
        }

        body.Append("</main>\n</body>\n</html>\n");

        var head = string.Concat(libraries.Select(l => Html.LibraryScript(l.Key, l.Value) + "\n"));
        return PageStyle.Head(info.Title, head) + body;
    }

    private static void RenderCode(NotebookCell cell, StringBuilder body, Dictionary<string, string> libraries)
    {
        var failed = cell.Outputs.Any(o => o is ErrorOutput);
        body.Append("<section class=\"cell code").Append(failed ? " failed" : "").Append("\">")
            .Append("<div class=\"prompt\">[").Append(cell.ExecutionCount?.ToString(CultureInfo.InvariantCulture) ?? " ").Append("]</div>")
            .Append("<pre class=\"source\"><code class=\"language-csharp\">").Append(Html.Encode(cell.Source)).Append("</code></pre>")
            .Append("<div class=\"outputs\">");

        foreach (var output in cell.Outputs)
        {
            switch (output)
            {
                case StreamOutput s:
                    body.Append("<pre class=\"stream ").Append(s.Name == "stderr" ? "stderr" : "stdout").Append("\">")
                        .Append(Html.Encode(AnsiEscape().Replace(s.Text, ""))).Append("</pre>");
                    break;
                case ErrorOutput e:
                    body.Append("<pre class=\"error\"><b>").Append(Html.Encode(e.Ename)).Append("</b>: ").Append(Html.Encode(e.Evalue));
                    if (e.Traceback.Count > 0)
                    {
                        body.Append("\n\n").Append(Html.Encode(AnsiEscape().Replace(string.Join("\n", e.Traceback), "")));
                    }

                    body.Append("</pre>");
                    break;
                case DisplayDataOutput d:
                    body.Append("<div class=\"output\">").Append(RenderBundle(d.Data, libraries)).Append("</div>");
                    break;
            }
        }

        body.Append("</div>");
        if (cell.Metadata["papermill"] is JsonObject timing && timing["duration"] is JsonValue duration && duration.TryGetValue<double>(out var seconds))
        {
            body.Append("<div class=\"timing\">").Append(FormatDuration(TimeSpan.FromSeconds(seconds))).Append("</div>");
        }

        body.Append("</section>\n");
    }

    private static string RenderBundle(MimeBundle data, Dictionary<string, string> libraries)
    {
        if (data.TryGetText("text/html", out var html))
        {
            return LibraryScript().Replace(html, m =>
            {
                libraries.TryAdd(m.Groups["name"].Value, m.Groups["body"].Value.Replace("<\\/script", "</script", StringComparison.Ordinal));
                return "";
            });
        }

        if (data.TryGetText("image/svg+xml", out var svg))
        {
            return svg;
        }

        foreach (var image in new[] { "image/png", "image/jpeg", "image/gif" })
        {
            if (data.TryGetText(image, out var base64))
            {
                return $"<img src=\"data:{image};base64,{base64.Replace("\n", "", StringComparison.Ordinal)}\">";
            }
        }

        if (data.TryGetText("text/markdown", out var markdown))
        {
            return MarkdownRenderer.ToHtml(markdown);
        }

        if (data.TryGetText("text/plain", out var text))
        {
            return "<pre>" + Html.Encode(AnsiEscape().Replace(text, "")) + "</pre>";
        }

        return "";
    }

    /// <summary>"850 ms", "12.3 s" or "4 min 05 s".</summary>
    public static string FormatDuration(TimeSpan duration) => duration.TotalSeconds switch
    {
        < 1 => $"{duration.TotalMilliseconds:0} ms",
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.0} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)duration.TotalMinutes} min {duration.Seconds:00} s"),
    };
}
