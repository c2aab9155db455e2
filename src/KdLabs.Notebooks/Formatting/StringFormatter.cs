using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Formatting;

/// <summary>Strings are text/plain only, so they are not mistaken for a sequence of chars.</summary>
public sealed class StringFormatter : IValueFormatter
{
    /// <inheritdoc />
    public bool CanFormat(object value) => value is string;

    /// <inheritdoc />
    public MimeBundle Format(object value, FormatContext context) => new MimeBundle().Set("text/plain", (string)value);
}
