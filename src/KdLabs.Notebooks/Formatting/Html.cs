using System.Net;

namespace KdLabs.Notebooks.Formatting;

/// <summary>HTML helpers shared by formatters and renderers.</summary>
public static class Html
{
    /// <summary>HTML-encodes text (null becomes empty).</summary>
    public static string Encode(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>
    /// Attribute that marks an inline script holding a shared library (e.g. plotly.js). The page renderer lifts such
    /// scripts into the page head once, however many outputs carry them.
    /// </summary>
    public const string LibraryAttribute = "data-kdlabs-library";

    /// <summary>An inline script tag for a shared library, marked with <see cref="LibraryAttribute"/>.</summary>
    public static string LibraryScript(string name, string source) =>
        // "</script" cannot appear inside an inline script; minified bundles only have it in strings.
        $"<script type=\"text/javascript\" {LibraryAttribute}=\"{Encode(name)}\">{source.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase)}</script>";
}
