using System.Text;
using KdLabs.Notebooks.Execution;
using KdLabs.Notebooks.Formatting;

namespace KdLabs.Notebooks.Rendering;

/// <summary>The index.html of a course run: one row per notebook with status, time and links.</summary>
public static class CourseIndexRenderer
{
    /// <summary>Renders the index; links are relative to the output folder.</summary>
    public static string Render(string title, IReadOnlyList<CourseIndexEntry> entries, RunStatus status, TimeSpan duration)
    {
        var statusText = status.ToString();
        var body = new StringBuilder();
        body.Append("<body>\n<header><h1>").Append(Html.Encode(title)).Append("</h1><p class=\"meta\"><span class=\"status status-")
            .Append(statusText.ToLowerInvariant()).Append("\">").Append(statusText).Append("</span> · ")
            .Append(entries.Count(e => e.Result.Succeeded)).Append('/').Append(entries.Count).Append(" notebooks succeeded · ")
            .Append(NotebookHtmlRenderer.FormatDuration(duration)).Append("</p></header>\n<main><table><thead><tr>")
            .Append("<th>Notebook</th><th>Status</th><th>Time</th><th>Files</th><th>Error</th></tr></thead><tbody>\n");

        foreach (var entry in entries)
        {
            var result = entry.Result;
            var rowStatus = result.Status.ToString();
            var html = result.HtmlPath.Length > 0 ? Path.GetFileName(result.HtmlPath) : null;
            var ipynb = result.ExecutedNotebookPath.Length > 0 ? Path.GetFileName(result.ExecutedNotebookPath) : null;
            body.Append("<tr><td>")
                .Append(html is null ? Html.Encode(entry.Name) : $"<a href=\"{Uri.EscapeDataString(html)}\">{Html.Encode(entry.Name)}</a>")
                .Append("</td><td class=\"status status-").Append(rowStatus.ToLowerInvariant()).Append("\">").Append(rowStatus)
                .Append("</td><td>").Append(NotebookHtmlRenderer.FormatDuration(result.Duration)).Append("</td><td>")
                .Append(html is null ? "" : $"<a href=\"{Uri.EscapeDataString(html)}\">html</a> ")
                .Append(ipynb is null ? "" : $"<a href=\"{Uri.EscapeDataString(ipynb)}\">ipynb</a>")
                .Append("</td><td>").Append(Html.Encode(result.Error?.Message ?? "")).Append("</td></tr>\n");
        }

        body.Append("</tbody></table></main>\n</body>\n</html>\n");
        return PageStyle.Head(title) + body;
    }
}
