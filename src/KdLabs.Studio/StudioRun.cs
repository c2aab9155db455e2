using System.Diagnostics;

namespace KdLabs.Studio;

/// <summary>
/// One submitted run: its settings, the events it has streamed so far (kept, so a page that connects late or
/// reconnects sees all of them) and its cancellation. Subscribers read with <see cref="ReadFrom"/>.
/// </summary>
public sealed class StudioRun
{
    private readonly object gate = new();
    private readonly List<StudioEvent> events = [];
    private readonly CancellationTokenSource cancel = new();
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal StudioRun(RunSettings settings, string key, string baselineKey)
    {
        Settings = settings;
        Key = key;
        BaselineKey = baselineKey;
    }

    /// <summary>The run's id in the API.</summary>
    public string Id { get; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>The validated settings.</summary>
    public RunSettings Settings { get; }

    /// <summary>The distilled student's result key.</summary>
    public string Key { get; }

    /// <summary>The no-KD baseline's result key.</summary>
    public string BaselineKey { get; }

    /// <summary>Time since submission.</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>Fires when a newer run of the same session supersedes this one (or the server stops).</summary>
    public CancellationToken Cancellation => cancel.Token;

    /// <summary>True once a done, cancelled or error event was recorded.</summary>
    public bool IsFinished { get; private set; }

    /// <summary>The terminal event, once finished.</summary>
    public StudioEvent? Outcome { get; private set; }

    /// <summary>Asks the run to stop; a queued run is skipped, a running one stops within a few steps.</summary>
    public void Cancel() => cancel.Cancel();

    /// <summary>Records an event and wakes the subscribers; events after the terminal one are dropped.</summary>
    public void Add(StudioEvent e)
    {
        TaskCompletionSource wake;
        lock (gate)
        {
            if (IsFinished)
            {
                return;
            }
            events.Add(e);
            if (e.IsTerminal)
            {
                IsFinished = true;
                Outcome = e;
            }
            wake = changed;
            changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        wake.SetResult();
    }

    /// <summary>The events from index <paramref name="start"/> on, whether the run has finished, and a task that completes on the next event.</summary>
    public (IReadOnlyList<StudioEvent> Events, bool Finished, Task Next) ReadFrom(int start)
    {
        lock (gate)
        {
            return (events.Skip(start).ToArray(), IsFinished, changed.Task);
        }
    }
}
