using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Formatting;

/// <summary>Turns a value into a MIME bundle (text/plain and, where useful, text/html).</summary>
public interface IValueFormatter
{
    /// <summary>True when this formatter handles <paramref name="value"/>.</summary>
    bool CanFormat(object value);

    /// <summary>Formats <paramref name="value"/>; called only after <see cref="CanFormat"/> said yes.</summary>
    MimeBundle Format(object value, FormatContext context);
}
