using KdLabs.Infrastructure;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Experiments;

/// <summary>
/// What the labs share when they start: options checked and shrunk for smoke mode, the device (resolved once, printed
/// with the reason), where progress and messages go, and torch's thread count (1 when other jobs share the machine: two jobs of two threads on two cores run 3–6× slower).
/// </summary>
public abstract class LabBase<TOptions>
    where TOptions : ILabOptions<TOptions>
{
    /// <summary>Checks <paramref name="options"/>, applies smoke limits and the thread count.</summary>
    protected LabBase(TOptions options, ITrainingProgress? progress, Action<string>? log)
    {
        options.Validate();
        Options = options.Effective();
        Progress = progress ?? TrainingProgress.Default();
        Log = log ?? Console.WriteLine;
        if (Options.Threads is { } threads)
        {
            set_num_threads(threads);
        }
        Device = ComputeDevice.Resolve(Options.Device);
        Log(Device.Describe());
    }

    /// <summary>The device the lab's data and models live on.</summary>
    public ComputeDevice Device { get; }

    /// <summary>The effective options (shrunk in smoke mode).</summary>
    public TOptions Options { get; }

    /// <summary>Where training progress goes.</summary>
    protected ITrainingProgress Progress { get; }

    /// <summary>Where the lab's messages go.</summary>
    protected Action<string> Log { get; }
}
