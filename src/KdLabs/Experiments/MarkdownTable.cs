using System.Text;

namespace KdLabs.Experiments;

/// <summary>The labs' tables as GitHub Markdown, so results.md files and docs share one layout.</summary>
internal static class MarkdownTable
{
    /// <summary>Appends a header line, the separator and one line per row to <paramref name="md"/>.</summary>
    public static StringBuilder AppendTable(this StringBuilder md, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        md.AppendLine("| " + string.Join(" | ", header) + " |");
        md.AppendLine("|" + string.Concat(Enumerable.Repeat("---|", header.Count)));
        foreach (var row in rows)
        {
            md.AppendLine("| " + string.Join(" | ", row) + " |");
        }
        return md;
    }
}
