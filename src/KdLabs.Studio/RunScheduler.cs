using System.Collections.Concurrent;
using KdLabs.Training;

namespace KdLabs.Studio;

/// <summary>The queue is full: the API answers 503 and the page asks the user to wait.</summary>
public sealed class StudioBusyException(string message) : Exception(message);

/// <summary>
/// Runs students one at a time on one worker thread (two cores cannot train two at once usefully). Each session has
/// at most one live run: a newer submission cancels the older one, queued or running, instead of queueing behind it.
/// The queue over all sessions is bounded. A result already in the <see cref="ResultStore"/> is replayed at once.
/// Only live runs are tracked by session, so client-chosen session ids do not pile up; a finished run is still found
/// by its id (<see cref="Find"/>) for the page that polls or replays it.
/// </summary>
public sealed class RunScheduler : IDisposable
{
    private const int KeptRuns = 200;
    private readonly StudioEngine engine;
    private readonly ResultStore store;
    private readonly Action<string> log;
    private readonly LinkedList<StudioRun> queue = new();
    private readonly int capacity;
    private readonly CancellationTokenSource stop = new();
    private readonly Dictionary<string, StudioRun> sessions = [];
    private readonly ConcurrentDictionary<string, StudioRun> runs = new();
    private readonly ConcurrentQueue<string> runOrder = new();
    private readonly Thread worker;
    private volatile StudioRun? running;

    /// <summary>Starts the worker.</summary>
    public RunScheduler(StudioEngine engine, ResultStore store, Action<string> log)
    {
        this.engine = engine;
        this.store = store;
        this.log = log;
        capacity = Math.Max(1, engine.Options.QueueCapacity);
        worker = new Thread(Work) { Name = "kdlabs-studio-trainer", IsBackground = true };
        worker.Start();
    }

    /// <summary>The engine runs train on.</summary>
    public StudioEngine Engine => engine;

    /// <summary>The finished results.</summary>
    public ResultStore Results => store;

    /// <summary>
    /// Submits a validated run for its session, cancelling that session's previous run. Returns at once; the run's
    /// events say how it goes. Throws <see cref="StudioBusyException"/> when the queue is full.
    /// </summary>
    public StudioRun Submit(RunSettings settings)
    {
        var run = new StudioRun(settings, engine.KeyOf(settings), engine.KeyOf(settings.Baseline()));
        lock (sessions)
        {
            var kd = store.Get(run.Key);
            var baseline = store.Get(run.BaselineKey);
            bool instant = kd is not null && baseline is not null;
            if (!instant && !TryEnqueue(run))
            {
                throw new StudioBusyException($"The studio is busy: {capacity} runs are waiting. Try again when one has finished.");
            }
            if (sessions.TryGetValue(settings.Session, out var previous) && !previous.IsFinished)
            {
                previous.Cancel();
                if (!ReferenceEquals(previous, running))
                {
                    Complete(previous, Cancelled(previous));
                }
            }
            sessions[settings.Session] = run;
            Remember(run);
            if (instant)
            {
                run.Add(StudioEvent.Of("started", Started(run, cached: true)));
                Finish(run, kd!, baseline!, cached: true);
            }
        }
        return run;
    }

    /// <summary>The run with this id, if it is still remembered.</summary>
    public StudioRun? Find(string id) => runs.TryGetValue(id, out var r) ? r : null;

    /// <summary>Cancels the session's live run, if any.</summary>
    public bool CancelSession(string session)
    {
        lock (sessions)
        {
            if (sessions.TryGetValue(session, out var run) && !run.IsFinished)
            {
                run.Cancel();
                if (!ReferenceEquals(run, running))
                {
                    Complete(run, Cancelled(run));
                }
                return true;
            }
            return false;
        }
    }

    /// <summary>Runs waiting behind the running one.</summary>
    public int Queued
    {
        get
        {
            lock (queue)
            {
                return queue.Count(r => !r.Cancellation.IsCancellationRequested);
            }
        }
    }

    /// <summary>Stops the worker: the running student is cancelled within a few steps; finished results stay saved.</summary>
    public void Dispose()
    {
        stop.Cancel();
        running?.Cancel();
        lock (queue)
        {
            Monitor.PulseAll(queue);
        }
        worker.Join(TimeSpan.FromSeconds(30));
        stop.Dispose();
    }

    private void Work()
    {
        try
        {
            while (Dequeue() is { } run)
            {
                if (run.Cancellation.IsCancellationRequested)
                {
                    Complete(run, Cancelled(run));
                    continue;
                }
                running = run;
                try
                {
                    Execute(run);
                }
                finally
                {
                    running = null;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Server stopping.
        }
    }

    // Cancelled runs leave the queue at once (their pages were told), so they never hold a slot a live run needs.
    private bool TryEnqueue(StudioRun run)
    {
        lock (queue)
        {
            for (var node = queue.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Cancellation.IsCancellationRequested)
                {
                    queue.Remove(node);
                }
                node = next;
            }
            if (queue.Count >= capacity)
            {
                return false;
            }
            queue.AddLast(run);
            Monitor.Pulse(queue);
            return true;
        }
    }

    private StudioRun? Dequeue()
    {
        lock (queue)
        {
            while (queue.Count == 0)
            {
                if (stop.IsCancellationRequested)
                {
                    return null;
                }
                Monitor.Wait(queue, TimeSpan.FromSeconds(1));
            }
            var run = queue.First!.Value;
            queue.RemoveFirst();
            return run;
        }
    }

    private void Execute(StudioRun run)
    {
        using var both = CancellationTokenSource.CreateLinkedTokenSource(run.Cancellation, stop.Token);
        try
        {
            run.Add(StudioEvent.Of("started", Started(run, cached: false)));
            var kd = store.Get(run.Key);
            if (kd is null)
            {
                kd = engine.Train(run.Settings, "kd", run.Add, both.Token);
                store.Put(kd);
            }
            else
            {
                kd.Events.ToList().ForEach(run.Add);
            }
            var baseline = store.Get(run.BaselineKey);
            if (baseline is null)
            {
                baseline = engine.Train(run.Settings.Baseline(), "baseline", run.Add, both.Token);
                store.Put(baseline);
            }
            else
            {
                baseline.Events.ToList().ForEach(run.Add);
            }
            Finish(run, kd, baseline, cached: false);
        }
        catch (OperationCanceledException) when (both.IsCancellationRequested)
        {
            Complete(run, Cancelled(run));
        }
        catch (Exception e) when (e is TrainingDivergedException or ArgumentException or InvalidOperationException or IOException)
        {
            log($"studio: run {run.Id} failed: {e}");
            Complete(run, StudioEvent.Of("error", new { runId = run.Id, message = e.Message }));
        }
        catch (Exception e)
        {
            // Unexpected: the page gets the message, the console keeps the stack trace, and the worker serves the next run.
            log($"studio: run {run.Id} failed unexpectedly: {e}");
            Complete(run, StudioEvent.Of("error", new { runId = run.Id, message = $"{e.GetType().Name}: {e.Message}" }));
        }
    }

    private void Finish(StudioRun run, StudentResult kd, StudentResult baseline, bool cached)
    {
        if (cached)
        {
            kd.Events.Concat(baseline.Events).ToList().ForEach(run.Add);
        }
        var s = run.Settings;
        Complete(run, StudioEvent.Of("done", new
        {
            runId = run.Id, key = run.Key, cached, s.Alpha, s.Temperature, s.Student, s.Epochs, s.TrainSize, s.Seed, s.Method,
            accuracy = kd.TestAccuracy, bestAccuracy = kd.BestTestAccuracy, bestEpoch = kd.BestEpoch,
            baselineAccuracy = baseline.TestAccuracy, gainPoints = 100 * (kd.TestAccuracy - baseline.TestAccuracy),
            trainSeconds = kd.Seconds, baselineSeconds = baseline.Seconds, totalSeconds = run.Clock.Elapsed.TotalSeconds,
            shownLogits = kd.ShownLogits, baselineShownLogits = baseline.ShownLogits,
        }));
    }

    private object Started(StudioRun run, bool cached) => new
    {
        runId = run.Id, key = run.Key, cached, run.Settings.Alpha, run.Settings.Temperature, run.Settings.Student, run.Settings.Epochs,
        run.Settings.TrainSize, run.Settings.Seed, queuedSeconds = run.Clock.Elapsed.TotalSeconds,
    };

    /// <summary>Sessions that have a live run (queued or training): what the tests check stays bounded.</summary>
    internal IReadOnlyCollection<string> TrackedSessions
    {
        get
        {
            lock (sessions)
            {
                return sessions.Keys.ToArray();
            }
        }
    }

    // Ends a run with its terminal event. The session stops tracking it first, so once anyone sees the run finished
    // its session's entry is gone: the map holds live runs only (at most the queue's capacity plus the running one),
    // however many session ids clients make up. Cancelling needs only live runs; a page polling its finished run
    // finds it by id. Lock order: sessions, then the run's own gate (as in Submit), never the reverse.
    private void Complete(StudioRun run, StudioEvent terminal)
    {
        lock (sessions)
        {
            if (sessions.TryGetValue(run.Settings.Session, out var tracked) && ReferenceEquals(tracked, run))
            {
                sessions.Remove(run.Settings.Session);
            }
        }
        run.Add(terminal);
    }

    private static StudioEvent Cancelled(StudioRun run) =>
        StudioEvent.Of("cancelled", new { runId = run.Id, message = "Cancelled: a newer setting superseded this run." });

    private void Remember(StudioRun run)
    {
        runs[run.Id] = run;
        runOrder.Enqueue(run.Id);
        while (runOrder.Count > KeptRuns && runOrder.TryDequeue(out var old))
        {
            if (runs.TryGetValue(old, out var r) && r.IsFinished)
            {
                runs.TryRemove(old, out _);
            }
            else if (r is not null)
            {
                runOrder.Enqueue(old);
                break;
            }
        }
    }
}
