using System.Text;
using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// Collects one cell's outputs in the order they happen. Thread-safe: cells may write from Task.Run or
/// Parallel.For, and consecutive writes to the same stream merge into one stream output as in Jupyter.
/// Stream text is capped at <see cref="MaxStreamChars"/> characters per cell (then one note, the rest is dropped),
/// and the open stream grows in a StringBuilder so that a cell printing megabytes stays linear, not quadratic.
/// </summary>
internal sealed class OutputCollector
{
    /// <summary>The default cap on a cell's stream text: 10 MB.</summary>
    public const long DefaultMaxStreamChars = 10L * 1024 * 1024;

    private readonly List<NotebookOutput> _outputs = [];
    private readonly Lock _lock = new();
    private readonly StringBuilder _openText = new();
    private StreamOutput? _open;
    private long _streamChars;
    private bool _truncated;

    public OutputCollector(long maxStreamChars = DefaultMaxStreamChars) => MaxStreamChars = maxStreamChars;

    /// <summary>Most stream characters kept for this cell; 0 or less keeps everything.</summary>
    public long MaxStreamChars { get; }

    /// <summary>True once stream text was dropped because of the cap.</summary>
    public bool Truncated
    {
        get
        {
            lock (_lock)
            {
                return _truncated;
            }
        }
    }

    /// <summary>Called (under the collector's lock, in order) with each stream chunk kept; the worker forwards it to the runner.</summary>
    public Action<string, string>? OnStream { get; init; }

    /// <summary>Called (under the collector's lock, in order) with each non-stream output.</summary>
    public Action<NotebookOutput>? OnOutput { get; init; }

    /// <summary>
    /// Answers the cell's <c>Console.ReadLine()</c> with a line from the user (the kernel asks its frontend), or null
    /// when none comes. Null (the runner, papermill): a cell cannot read input and gets <see cref="CellInput.NoInput"/>.
    /// </summary>
    public Func<string, string?>? ReadInput { get; init; }

    /// <summary>The note that replaces stream text beyond the cap.</summary>
    public static string TruncationNote(long maxChars) =>
        $"[output truncated after {FormatSize(maxChars)}: the cell printed more and the rest was dropped; write large results to a file instead]\n";

    public void AppendStream(string name, string text)
    {
        if (text.Length == 0)
        {
            return;
        }

        lock (_lock)
        {
            if (_truncated)
            {
                return;
            }

            var note = false;
            if (MaxStreamChars > 0 && _streamChars + text.Length > MaxStreamChars)
            {
                text = text[..(int)Math.Max(0, MaxStreamChars - _streamChars)];
                _truncated = true;
                note = true;
            }

            _streamChars += text.Length;
            if (text.Length > 0)
            {
                AppendLocked(name, text);
                OnStream?.Invoke(name, text);
            }

            if (note)
            {
                var noteText = TruncationNote(MaxStreamChars);
                AppendLocked("stderr", noteText);
                OnStream?.Invoke("stderr", noteText);
            }
        }
    }

    /// <summary>Adds stream text as it is, without the cap (text the worker already capped).</summary>
    public void AppendStreamUncapped(string name, string text)
    {
        if (text.Length == 0)
        {
            return;
        }

        lock (_lock)
        {
            AppendLocked(name, text);
            OnStream?.Invoke(name, text);
        }
    }

    public void Add(NotebookOutput output)
    {
        lock (_lock)
        {
            CloseLocked();
            _outputs.Add(output);
            OnOutput?.Invoke(output);
        }
    }

    public List<NotebookOutput> Snapshot()
    {
        lock (_lock)
        {
            CloseLocked();
            return [.. _outputs];
        }
    }

    private void AppendLocked(string name, string text)
    {
        if (_open is not null && _open.Name != name)
        {
            CloseLocked();
        }

        if (_open is null)
        {
            if (_outputs.Count > 0 && _outputs[^1] is StreamOutput last && last.Name == name)
            {
                // Reopen the last stream so that snapshots taken mid-cell do not split it.
                _outputs.RemoveAt(_outputs.Count - 1);
                _openText.Clear().Append(last.Text);
            }

            _open = new StreamOutput(name, "");
        }

        _openText.Append(text);
    }

    private void CloseLocked()
    {
        if (_open is null)
        {
            return;
        }

        _open.Text = _openText.ToString();
        _outputs.Add(_open);
        _open = null;
        _openText.Clear();
    }

    private static string FormatSize(long chars) =>
        chars >= 1024 * 1024 && chars % (1024 * 1024) == 0 ? $"{chars / (1024 * 1024)} MB"
        : chars >= 1024 && chars % 1024 == 0 ? $"{chars / 1024} KB"
        : $"{chars} characters";
}
