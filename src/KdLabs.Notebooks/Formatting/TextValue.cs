using System.Collections;
using System.Globalization;

namespace KdLabs.Notebooks.Formatting;

/// <summary>Short, culture-invariant text for a single value, used inside tables and previews.</summary>
public static class TextValue
{
    /// <summary>Formats one value: null as "&lt;null&gt;", numbers invariant, strings as is.</summary>
    public static string Of(object? value) => value switch
    {
        null => "<null>",
        string s => s,
        double d => d.ToString("G6", CultureInfo.InvariantCulture),
        float f => f.ToString("G6", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => "[ " + string.Join(", ", e.Cast<object?>().Take(10).Select(Of)) + " ]",
        _ => value.ToString() ?? "",
    };
}
