using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Formatting;

/// <summary>The fallback: text/plain from <see cref="TextValue.Of"/> (ToString for most types).</summary>
public sealed class PlainTextFormatter : IValueFormatter
{
    /// <inheritdoc />
    public bool CanFormat(object value) => true;

    /// <inheritdoc />
    public MimeBundle Format(object value, FormatContext context) => new MimeBundle().Set("text/plain", TextValue.Of(value));
}
