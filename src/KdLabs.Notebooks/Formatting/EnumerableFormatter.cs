using System.Collections;
using System.Reflection;
using System.Text;
using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Formatting;

/// <summary>
/// A sequence as a table: objects and records get one column per public property, simple values a single
/// "value" column. Only the first rows are enumerated, so lazy or endless sequences are safe.
/// </summary>
public sealed class EnumerableFormatter : IValueFormatter
{
    /// <inheritdoc />
    public bool CanFormat(object value) => value is IEnumerable and not string;

    /// <inheritdoc />
    public MimeBundle Format(object value, FormatContext context)
    {
        var items = ((IEnumerable)value).Cast<object?>().Take(context.MaxRows + 1).ToList();
        var truncated = items.Count > context.MaxRows;
        if (truncated)
        {
            items.RemoveAt(items.Count - 1);
        }

        var text = "[ " + string.Join(", ", items.Select(TextValue.Of)) + (truncated ? ", ..." : "") + " ]";

        var elementType = items.FirstOrDefault(i => i is not null)?.GetType();
        var properties = elementType is null || IsSimple(elementType)
            ? []
            : elementType.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.GetIndexParameters().Length == 0 && p.CanRead)
                .ToArray();

        var html = new StringBuilder("<div class=\"kd-table\"><table><thead><tr><th></th>");
        if (properties.Length == 0)
        {
            html.Append("<th>value</th>");
        }
        else
        {
            foreach (var p in properties)
            {
                html.Append("<th>").Append(Html.Encode(p.Name)).Append("</th>");
            }
        }

        html.Append("</tr></thead><tbody>");
        for (var i = 0; i < items.Count; i++)
        {
            html.Append("<tr><th>").Append(i).Append("</th>");
            var item = items[i];
            if (properties.Length == 0)
            {
                html.Append("<td>").Append(Html.Encode(TextValue.Of(item))).Append("</td>");
            }
            else
            {
                foreach (var p in properties)
                {
                    html.Append("<td>").Append(Html.Encode(TextValue.Of(Read(p, item)))).Append("</td>");
                }
            }

            html.Append("</tr>");
        }

        html.Append("</tbody></table>");
        if (truncated)
        {
            html.Append($"<p class=\"kd-note\">first {context.MaxRows} items shown</p>");
        }

        html.Append("</div>");
        return new MimeBundle().Set("text/plain", text).Set("text/html", html.ToString());
    }

    private static object? Read(PropertyInfo property, object? item)
    {
        if (item is null || !property.DeclaringType!.IsInstanceOfType(item))
        {
            return null;
        }

        try
        {
            return property.GetValue(item);
        }
        catch (TargetInvocationException e)
        {
            return $"<{e.InnerException?.GetType().Name ?? "error"}>";
        }
    }

    private static bool IsSimple(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(DateTime)
        || type == typeof(DateTimeOffset) || type == typeof(TimeSpan) || type == typeof(Guid);
}
