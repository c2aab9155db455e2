using KdLabs.Notebooks.Format;
using KdLabs.Notebooks.Formatting;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// Members every notebook cell can use directly: <c>display(value)</c> and <c>HTML("...")</c>, the .NET Interactive C#
/// kernel's helpers, and nothing the kernel does not give a cell (no formatter registry, no cancellation token: a
/// lesson using them would fail there). Public because Roslyn scripting requires a public globals type; its assembly
/// is referenced under an extern alias only, so a cell sees these members and no other runner type.
/// </summary>
public sealed class NotebookGlobals
{
    internal NotebookGlobals(FormatterRegistry formatters, FormatContext formatContext)
    {
        Formatters = formatters;
        FormatContext = formatContext;
    }

    internal OutputCollector? CurrentCell { get; set; }

    internal FormatContext FormatContext { get; }

    /// <summary>The formatters used for displayed values (the runner's; in process, the request's).</summary>
    internal FormatterRegistry Formatters { get; }

    /// <summary>Shows <paramref name="value"/> as an output of the current cell (Jupyter display_data).</summary>
#pragma warning disable IDE1006 // lower-case on purpose: this is the notebook-wide display() of Jupyter and Polyglot
    public void display(object? value)
#pragma warning restore IDE1006
    {
        var bundle = Formatters.Format(value, FormatContext);
        CurrentCell?.Add(new DisplayDataOutput(bundle));
    }

    /// <summary>Wraps a string so it is displayed as HTML.</summary>
    public HtmlString HTML(string html) => new(html);
}
