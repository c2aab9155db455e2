using KdLabs.Notebooks.Format;
using KdLabs.Notebooks.Formatting;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// Members every notebook cell can use directly: <c>display(value)</c>, <c>HTML("...")</c>, the formatter registry and
/// the run's cancellation token. (Public because Roslyn scripting requires a public globals type.)
/// </summary>
public sealed class NotebookGlobals
{
    internal NotebookGlobals(FormatterRegistry formatters, FormatContext formatContext, CancellationToken cancellationToken)
    {
        Formatters = formatters;
        FormatContext = formatContext;
        CancellationToken = cancellationToken;
    }

    internal OutputCollector? CurrentCell { get; set; }

    internal FormatContext FormatContext { get; }

    /// <summary>The formatters used for displayed values; register your own here.</summary>
    public FormatterRegistry Formatters { get; }

    /// <summary>Fires when the run is cancelled (Ctrl+C or SIGTERM in the CLI) or the cell's or notebook's timeout passes; long loops should check it.</summary>
    public CancellationToken CancellationToken { get; internal set; }

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
