using System.Text;
using KdLabs.Notebooks.Format;
using Microsoft.Data.Analysis;

namespace KdLabs.Notebooks.Formatting;

/// <summary>
/// A Microsoft.Data.Analysis DataFrame as a table of its first rows. The package is optional in a notebook kernel, so the
/// type test goes by name: a method that named the type would fail to compile just in time where the package is absent.
/// </summary>
public sealed class DataFrameFormatter : IValueFormatter
{
    /// <summary>The full name of the type this formatter shows.</summary>
    public const string TypeName = "Microsoft.Data.Analysis.DataFrame";

    /// <inheritdoc />
    public bool CanFormat(object value)
    {
        for (var type = value.GetType(); type is not null; type = type.BaseType)
        {
            if (type.FullName == TypeName)
            {
                return true;
            }
        }
        return false;
    }

    /// <inheritdoc />
    public MimeBundle Format(object value, FormatContext context)
    {
        var df = (DataFrame)value;
        var rows = df.Rows.Count;
        var shown = (int)Math.Min(rows, context.MaxRows);
        var columns = df.Columns.ToList();
        var caption = $"DataFrame: {rows} rows, {columns.Count} columns" + (shown < rows ? $" (first {shown} shown)" : "");

        var html = new StringBuilder();
        html.Append("<div class=\"kd-table\"><table><caption>").Append(Html.Encode(caption)).Append("</caption><thead><tr><th></th>");
        foreach (var c in columns)
        {
            html.Append("<th title=\"").Append(Html.Encode(c.DataType.Name)).Append("\">").Append(Html.Encode(c.Name)).Append("</th>");
        }

        html.Append("</tr></thead><tbody>");
        var text = new StringBuilder(caption).Append('\n').Append(string.Join("\t", columns.Select(c => c.Name))).Append('\n');
        for (var r = 0; r < shown; r++)
        {
            html.Append("<tr><th>").Append(r).Append("</th>");
            var cells = columns.Select(c => TextValue.Of(c[r])).ToList();
            foreach (var cell in cells)
            {
                html.Append("<td>").Append(Html.Encode(cell)).Append("</td>");
            }

            html.Append("</tr>");
            text.Append(string.Join("\t", cells)).Append('\n');
        }

        html.Append("</tbody></table></div>");
        return new MimeBundle().Set("text/plain", text.ToString().TrimEnd('\n')).Set("text/html", html.ToString());
    }
}
