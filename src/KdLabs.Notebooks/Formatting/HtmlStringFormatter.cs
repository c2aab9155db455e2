using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Formatting;

/// <summary>Shows an <see cref="HtmlString"/> as text/html.</summary>
public sealed class HtmlStringFormatter : IValueFormatter
{
    /// <inheritdoc />
    public bool CanFormat(object value) => value is HtmlString;

    /// <inheritdoc />
    public MimeBundle Format(object value, FormatContext context)
    {
        var html = ((HtmlString)value).Html;
        return new MimeBundle().Set("text/html", html).Set("text/plain", html);
    }
}
