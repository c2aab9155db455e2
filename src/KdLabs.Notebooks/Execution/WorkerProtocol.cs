using System.Text;
using System.Text.Json.Nodes;
using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// The runner and its worker process talk in JSON lines. Runner to worker, on stdin: <c>start</c>, <c>run</c>,
/// <c>cancel</c>, <c>input</c> (the answer to a cell's console read). Worker to runner, on stdout, each line prefixed with <see cref="Prefix"/> (so that anything else a
/// native library prints there is kept as the cell's stdout, not mistaken for a message): <c>ready</c>, <c>stream</c>,
/// <c>output</c>, <c>input</c> (a cell reads a line), <c>done</c>, and <c>fatal</c> (an unhandled exception that is about to end the worker).
/// </summary>
internal static class WorkerProtocol
{
    /// <summary>Starts every message line from the worker.</summary>
    public const string Prefix = "\u001ekdlabs-worker ";

    /// <summary>The worker's command-line argument.</summary>
    public const string WorkerArgument = "--kdlabs-notebook-worker";

    public static JsonObject Error(ErrorOutput error, int? line) => new()
    {
        ["ename"] = error.Ename,
        ["evalue"] = error.Evalue,
        ["traceback"] = new JsonArray(error.Traceback.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
        ["line"] = line is { } l ? JsonValue.Create(l) : null,
    };

    public static (ErrorOutput Error, int? Line) ReadError(JsonNode? node)
    {
        var json = node as JsonObject ?? [];
        var traceback = json["traceback"] is JsonArray tb ? tb.Select(t => (string?)t ?? "").ToList() : [];
        var line = json["line"] is JsonValue v && v.TryGetValue<int>(out var n) ? n : (int?)null;
        return (new ErrorOutput((string?)json["ename"] ?? "Error", (string?)json["evalue"] ?? "", traceback), line);
    }
}

/// <summary>
/// The worker's side of stdout: messages are written whole and in order; stream text is batched (flushed every
/// 20 ms, at 256 K characters, before any other message and when the process exits) so that printing in a tight
/// loop does not cost one pipe write per call.
/// </summary>
internal sealed class WorkerMessageWriter : IDisposable
{
    private const int BatchChars = 256 * 1024;
    private readonly StreamWriter _writer;
    private readonly Lock _lock = new();
    private readonly StringBuilder _pending = new();
    private readonly Timer _timer;
    private string? _pendingName;
    private int _pendingCell;

    public WorkerMessageWriter(Stream stdout)
    {
        _writer = new StreamWriter(stdout, new UTF8Encoding(false), 1 << 16) { AutoFlush = false, NewLine = "\n" };
        _timer = new Timer(_ => Flush(), null, 20, 20);
    }

    public void Stream(int cell, string name, string text)
    {
        lock (_lock)
        {
            if (_pending.Length > 0 && (_pendingName != name || _pendingCell != cell))
            {
                WritePendingLocked();
            }

            _pendingName = name;
            _pendingCell = cell;
            _pending.Append(text);
            if (_pending.Length >= BatchChars)
            {
                WritePendingLocked();
                _writer.Flush();
            }
        }
    }

    public void Send(JsonObject message)
    {
        lock (_lock)
        {
            WritePendingLocked();
            WriteLocked(message);
            _writer.Flush();
        }
    }

    public void Flush()
    {
        // Bounded wait: at process exit a writer stuck on a full pipe must not keep the worker alive.
        if (!_lock.TryEnter(TimeSpan.FromSeconds(2)))
        {
            return;
        }

        try
        {
            WritePendingLocked();
            _writer.Flush();
        }
        catch (IOException)
        {
            // The runner is gone; the worker ends when it sees stdin close.
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            _lock.Exit();
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        Flush();
    }

    private void WritePendingLocked()
    {
        if (_pending.Length == 0)
        {
            return;
        }

        WriteLocked(new JsonObject { ["ev"] = "stream", ["cell"] = _pendingCell, ["name"] = _pendingName, ["text"] = _pending.ToString() });
        _pending.Clear();
    }

    private void WriteLocked(JsonObject message)
    {
        _writer.Write(WorkerProtocol.Prefix);
        _writer.Write(message.ToJsonString());
        _writer.Write('\n');
    }
}
