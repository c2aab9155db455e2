using System.Collections.Concurrent;
using KdLabs.Training;

namespace KdLabs.Studio;

/// <summary>The queue is full: the API answers 503 and the page asks the user to wait.</summary>
public sealed class StudioBusyException(string message) : Exception(message);

/// <summary>
/// Runs students one at a time on one worker thread (two cores cannot train two at once usefully). A run is a distilled
/// student and its no-KD baseline for each of its seeds, each kept by its own key, so a seed trained once is never
/// trained again. Each session has at most one live run: a newer submission cancels the older one, queued or running
/// (its finished seeds stay cached), instead of queueing behind it.
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
        var first = settings.ForSeed(settings.Seed);
        var run = new StudioRun(settings, engine.KeyOf(first), engine.KeyOf(first.Baseline()));
        lock (sessions)
        {
            var cached = settings.SeedList.Select(s => (Kd: store.Get(engine.KeyOf(settings.ForSeed(s))), Baseline: store.Get(engine.KeyOf(settings.ForSeed(s).Baseline())))).ToArray();
            bool instant = cached.All(p => p.Kd is not null && p.Baseline is not null);
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
                var pairs = new List<SeedPair>();
                foreach (var (s, (kd, baseline)) in settings.SeedList.Zip(cached))
                {
                    pairs.Add(Replay(run, s, kd!, baseline!));
                }
                Finish(run, pairs, cached: true);
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
            var pairs = new List<SeedPair>();
            var seeds = run.Settings.SeedList;
            foreach (int seed in seeds)
            {
                var one = run.Settings.ForSeed(seed);
                var kd = Student(run, one, "kd", both.Token);
                var baseline = Student(run, one.Baseline(), "baseline", both.Token);
                pairs.Add(Paired(run, seed, kd.Result, baseline.Result, kd.Cached && baseline.Cached));
            }
            Finish(run, pairs, cached: false);
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

    // One student of the run: announced (so the page knows which seed the next points belong to), then from the
    // cache (its events replayed) or trained and cached.
    private (StudentResult Result, bool Cached) Student(StudioRun run, RunSettings settings, string phase, CancellationToken cancel)
    {
        var seeds = run.Settings.SeedList;
        string key = engine.KeyOf(settings);
        var result = store.Get(key);
        run.Add(StudioEvent.Of("student", new { runId = run.Id, phase, seed = settings.Seed, index = IndexOf(seeds, settings.Seed), count = seeds.Count, cached = result is not null }));
        if (result is not null)
        {
            result.Events.ToList().ForEach(run.Add);
            return (result, true);
        }
        result = engine.Train(settings, phase, run.Add, cancel);
        store.Put(result);
        return (result, false);
    }

    private static int IndexOf(IReadOnlyList<int> seeds, int seed)
    {
        for (int i = 0; i < seeds.Count; i++)
        {
            if (seeds[i] == seed)
            {
                return i;
            }
        }
        return -1;
    }

    private SeedPair Replay(StudioRun run, int seed, StudentResult kd, StudentResult baseline)
    {
        var seeds = run.Settings.SeedList;
        foreach (var (phase, result) in new[] { ("kd", kd), ("baseline", baseline) })
        {
            run.Add(StudioEvent.Of("student", new { runId = run.Id, phase, seed, index = IndexOf(seeds, seed), count = seeds.Count, cached = true }));
            result.Events.ToList().ForEach(run.Add);
        }
        return Paired(run, seed, kd, baseline, cached: true);
    }

    // A seed's pair is told as soon as both students have it, so the page's seed table fills in seed by seed.
    private static SeedPair Paired(StudioRun run, int seed, StudentResult kd, StudentResult baseline, bool cached)
    {
        var pair = new SeedPair(seed, kd, baseline, cached);
        run.Add(StudioEvent.Of("seed", new
        {
            runId = run.Id, seed, index = IndexOf(run.Settings.SeedList, seed), count = run.Settings.Seeds, cached,
            accuracy = kd.TestAccuracy, baselineAccuracy = baseline.TestAccuracy, gainPoints = pair.GainPoints,
        }));
        return pair;
    }

    private void Finish(StudioRun run, IReadOnlyList<SeedPair> pairs, bool cached)
    {
        var s = run.Settings;
        var spread = SeedSpread.Of(pairs.Select(p => (p.Kd.TestAccuracy, p.Baseline.TestAccuracy)).ToArray());
        var first = pairs[0];
        Complete(run, StudioEvent.Of("done", new
        {
            runId = run.Id, key = run.Key, cached, s.Alpha, s.Temperature, s.Student, s.Epochs, s.TrainSize, s.Seed, s.Seeds, s.Method,
            accuracy = spread.Distilled.Mean, baselineAccuracy = spread.Baseline.Mean, gainPoints = spread.Gain.Mean,
            accuracyStd = Finite(spread.Distilled.StandardDeviation), baselineStd = Finite(spread.Baseline.StandardDeviation), gainStd = Finite(spread.Gain.StandardDeviation),
            gainLow = Finite(spread.GainInterval.Low), gainHigh = Finite(spread.GainInterval.High), verdict = spread.Verdict, verdictText = spread.Describe(),
            perSeed = pairs.Select(p => new { p.Seed, accuracy = p.Kd.TestAccuracy, baselineAccuracy = p.Baseline.TestAccuracy, gainPoints = p.GainPoints, bestAccuracy = p.Kd.BestTestAccuracy, bestEpoch = p.Kd.BestEpoch, p.Cached }).ToArray(),
            bestAccuracy = first.Kd.BestTestAccuracy, bestEpoch = first.Kd.BestEpoch,
            trainSeconds = pairs.Sum(p => p.Kd.Seconds), baselineSeconds = pairs.Sum(p => p.Baseline.Seconds), totalSeconds = run.Clock.Elapsed.TotalSeconds,
            // The softened-distribution view shows the first seed's students.
            shownLogits = first.Kd.ShownLogits, baselineShownLogits = first.Baseline.ShownLogits,
        }));
    }

    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private object Started(StudioRun run, bool cached) => new
    {
        runId = run.Id, key = run.Key, cached, run.Settings.Alpha, run.Settings.Temperature, run.Settings.Student, run.Settings.Epochs,
        run.Settings.TrainSize, run.Settings.Seed, run.Settings.Seeds, seedList = run.Settings.SeedList, queuedSeconds = run.Clock.Elapsed.TotalSeconds,
    };

    private sealed record SeedPair(int Seed, StudentResult Kd, StudentResult Baseline, bool Cached)
    {
        public double GainPoints => 100 * (Kd.TestAccuracy - Baseline.TestAccuracy);
    }

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
