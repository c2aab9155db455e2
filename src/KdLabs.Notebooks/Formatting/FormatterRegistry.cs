using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Formatting;

/// <summary>
/// An ordered list of formatters; the first that can format a value wins. Add your own with
/// <see cref="Register"/> (it goes first, so it overrides the built-ins).
/// </summary>
public sealed class FormatterRegistry
{
    private readonly List<IValueFormatter> _formatters = [];
    private readonly Lock _lock = new();

    /// <summary>An empty registry; everything falls back to text/plain.</summary>
    public FormatterRegistry()
    {
    }

    /// <summary>The registry with the kit's formatters: HTML strings, strings, tensors, Plotly charts, DataFrames, sequences.</summary>
    public static FormatterRegistry CreateDefault()
    {
        var registry = new FormatterRegistry();
        registry._formatters.AddRange(
        [
            new HtmlStringFormatter(),
            new StringFormatter(),
            new TensorFormatter(),
            new PlotlyChartFormatter(),
            new DataFrameFormatter(),
            new EnumerableFormatter(),
        ]);
        return registry;
    }

    /// <summary>The formatters in the order they are tried.</summary>
    public IReadOnlyList<IValueFormatter> Formatters
    {
        get
        {
            lock (_lock)
            {
                return [.. _formatters];
            }
        }
    }

    /// <summary>Adds a formatter in front of the others.</summary>
    public void Register(IValueFormatter formatter)
    {
        lock (_lock)
        {
            _formatters.Insert(0, formatter);
        }
    }

    /// <summary>Adds a formatter for <typeparamref name="T"/> from a function returning a MIME bundle.</summary>
    public void Register<T>(Func<T, FormatContext, MimeBundle> format) => Register(new DelegateFormatter<T>(format));

    /// <summary>Formats a value with the first formatter that accepts it; null becomes "&lt;null&gt;".</summary>
    public MimeBundle Format(object? value, FormatContext context)
    {
        if (value is null)
        {
            return new MimeBundle().Set("text/plain", "<null>");
        }

        foreach (var formatter in Formatters)
        {
            if (formatter.CanFormat(value))
            {
                return formatter.Format(value, context);
            }
        }

        return new PlainTextFormatter().Format(value, context);
    }

    private sealed class DelegateFormatter<T>(Func<T, FormatContext, MimeBundle> format) : IValueFormatter
    {
        public bool CanFormat(object value) => value is T;

        public MimeBundle Format(object value, FormatContext context) => format((T)value, context);
    }
}
