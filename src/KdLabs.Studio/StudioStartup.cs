using KdLabs.Training;

namespace KdLabs.Studio;

/// <summary>What a start function gets: the options, the teacher's progress (kept for the page), the log, where to report each phase, and the stop signal.</summary>
internal sealed record StudioStartContext(StudioOptions Options, ITrainingProgress TeacherProgress, Action<string> Log, Action<StudioPhase, string?> Phase, CancellationToken Stop);

/// <summary>
/// Starts the engine on a background thread while the server already answers: loads the data, loads or trains the
/// teacher (its progress kept in <see cref="Status"/> for the page), computes or reads its logits, then runs the ready
/// hook (the server's scheduler) before the status says ready, so nobody sees "ready" without a scheduler behind it.
/// A failure is kept with its stack trace and logged; disposing stops a teacher mid-training between batches.
/// </summary>
internal sealed class StudioStartup : IDisposable
{
    private readonly object gate = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Thread thread;
    private readonly Action<string> log;
    private readonly TaskCompletionSource<StudioEngine?> finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StudioStatus status = new(StudioPhase.Starting, "starting");
    private StudioEngine? engine;

    public StudioStartup(StudioOptions options, ITrainingProgress forward, Action<string> log, Func<StudioStartContext, StudioEngine> start, Action<StudioEngine> ready)
    {
        this.log = log;
        var context = new StudioStartContext(options, new TeacherProgress(forward, Publish, stop.Token), log, (phase, detail) => Publish(new StudioStatus(phase, detail ?? Describe(phase))), stop.Token);
        thread = new Thread(() => Run(context, start, ready)) { Name = "kdlabs-studio-start", IsBackground = true };
    }

    /// <summary>Where the start stands now.</summary>
    public StudioStatus Status
    {
        get
        {
            lock (gate)
            {
                return status;
            }
        }
    }

    /// <summary>Completes with the engine once ready, or null when the start failed or was stopped.</summary>
    public Task<StudioEngine?> Finished => finished.Task;

    /// <summary>A start over an engine that is already up.</summary>
    public static StudioStartup Over(StudioEngine engine, Action<string> log, Action<StudioEngine> ready) =>
        new(engine.Options, TrainingProgress.Silent, log, _ => engine, ready) { OwnsEngine = false };

    /// <summary>False when the caller made the engine and disposes it.</summary>
    public bool OwnsEngine { get; private init; } = true;

    public void Begin() => thread.Start();

    /// <summary>Stops a start in progress (a training teacher between batches); false when it did not end within a minute.</summary>
    public bool Stop()
    {
        stop.Cancel();
        if (thread.IsAlive && !thread.Join(TimeSpan.FromSeconds(60)))
        {
            // Data loading and the logit pass cannot be interrupted; the process is ending anyway, so the engine is left to it.
            log("studio: the start did not stop within 60 s; leaving it to the process's exit.");
            return false;
        }
        return true;
    }

    /// <summary>Disposes the engine the start made (call <see cref="Stop"/> first).</summary>
    public void Dispose()
    {
        if (OwnsEngine)
        {
            lock (gate)
            {
                engine?.Dispose();
                engine = null;
            }
        }
    }

    private void Run(StudioStartContext context, Func<StudioStartContext, StudioEngine> start, Action<StudioEngine> ready)
    {
        try
        {
            var made = start(context);
            lock (gate)
            {
                engine = made;
            }
            stop.Token.ThrowIfCancellationRequested();
            ready(made);
            Publish(new StudioStatus(StudioPhase.Ready, $"teacher ready ({made.TeacherAccuracy:P2} test accuracy)") { TestAccuracy = made.TeacherAccuracy });
            finished.TrySetResult(made);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Publish(new StudioStatus(StudioPhase.Stopped, "stopped before the teacher was ready"));
            finished.TrySetResult(null);
        }
        catch (Exception e)
        {
            log($"studio: the teacher could not be loaded or trained: {e}");
            Publish(new StudioStatus(StudioPhase.Failed, "the start failed") { Error = e.ToString() });
            finished.TrySetResult(null);
        }
    }

    private void Publish(StudioStatus next)
    {
        lock (gate)
        {
            // A late progress report never takes a finished start back.
            if (status.Phase is not (StudioPhase.Ready or StudioPhase.Failed or StudioPhase.Stopped))
            {
                status = next;
            }
        }
    }

    private static string Describe(StudioPhase phase) => phase switch
    {
        StudioPhase.LoadingData => "loading MNIST",
        StudioPhase.TrainingTeacher => "loading the cached teacher, or training it on first use",
        StudioPhase.TeacherLogits => "the teacher's logits on the training images, computed once and then read from the cache",
        _ => phase.ToString(),
    };
}
