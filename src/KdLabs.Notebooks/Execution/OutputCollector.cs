using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// Collects one cell's outputs in the order they happen. Thread-safe: cells may write from Task.Run or
/// Parallel.For, and consecutive writes to the same stream merge into one stream output as in Jupyter.
/// </summary>
internal sealed class OutputCollector
{
    private readonly List<NotebookOutput> _outputs = [];
    private readonly Lock _lock = new();

    public void AppendStream(string name, string text)
    {
        if (text.Length == 0)
        {
            return;
        }

        lock (_lock)
        {
            if (_outputs.Count > 0 && _outputs[^1] is StreamOutput last && last.Name == name)
            {
                last.Text += text;
            }
            else
            {
                _outputs.Add(new StreamOutput(name, text));
            }
        }
    }

    public void Add(NotebookOutput output)
    {
        lock (_lock)
        {
            _outputs.Add(output);
        }
    }

    public List<NotebookOutput> Snapshot()
    {
        lock (_lock)
        {
            return [.. _outputs];
        }
    }
}
