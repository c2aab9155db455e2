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

    /// <summary>
    /// An inline script tag for a shared library, marked with <see cref="LibraryAttribute"/>. The source runs with
    /// <c>define</c>, <c>module</c> and <c>exports</c> hidden, so a UMD bundle sets its global (<c>window.Plotly</c>)
    /// even on pages that load require.js (Jupyter classic, nbconvert) instead of registering an AMD module.
    /// </summary>
    public static string LibraryScript(string name, string source)
    {
        var body = source.StartsWith(GlobalWrapperStart, StringComparison.Ordinal) ? source : GlobalWrapperStart + source + GlobalWrapperEnd;
        // "</script" cannot appear inside an inline script; minified bundles only have it in strings.
        return $"<script type=\"text/javascript\" {LibraryAttribute}=\"{Encode(name)}\">{body.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase)}</script>";
    }

    private const string GlobalWrapperStart = "(function (define, module, exports) {\n";

    private const string GlobalWrapperEnd = "\n}).call(window);";
}
