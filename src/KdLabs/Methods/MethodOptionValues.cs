using System.Collections;
using System.Globalization;

namespace KdLabs.Methods;

/// <summary>A method's settings as (name, value) pairs, read from its options record, for listings such as <c>kdlabs methods</c>.</summary>
public static class MethodOptionValues
{
    /// <summary>Every public property of <paramref name="options"/>; nested kit records are listed as "Outer.Inner".</summary>
    public static IReadOnlyList<(string Name, string Value)> Of(object options)
    {
        var list = new List<(string, string)>();
        Add(options, "", list);
        return list;
    }

    private static void Add(object options, string prefix, List<(string, string)> list)
    {
        foreach (var property in options.GetType().GetProperties().Where(p => p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract"))
        {
            object? value = property.GetValue(options);
            string name = prefix + property.Name;
            if (value is not null && value.GetType().Namespace?.StartsWith("KdLabs", StringComparison.Ordinal) == true && !value.GetType().IsEnum && value.GetType().IsClass)
            {
                Add(value, name + ".", list);
                continue;
            }
            list.Add((name, Format(value)));
        }
    }

    private static string Format(object? value) => value switch
    {
        null => "(none)",
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable e => string.Join(",", e.Cast<object?>().Select(Format)),
        _ => value.ToString() ?? "",
    };
}
