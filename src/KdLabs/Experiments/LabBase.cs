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
    /// <summary>Checks <paramref name="options"/>, applies smoke limits and the thread count, and resolves the device.</summary>
    protected LabBase(TOptions options, ITrainingProgress? progress, Action<string>? log)
        : this(options, progress, log, null)
    {
    }

    /// <summary>As the public constructor, on a <paramref name="device"/> another lab has already resolved and announced (null: resolve it here).</summary>
    private protected LabBase(TOptions options, ITrainingProgress? progress, Action<string>? log, ComputeDevice? device)
    {
        options.Validate();
        Options = options.Effective();
        Progress = progress ?? TrainingProgress.Default();
        Log = log ?? Console.WriteLine;
        if (Options.Lab.Threads is { } threads)
        {
            set_num_threads(threads);
        }
        if (device is null)
        {
            Device = ComputeDevice.Resolve(Options.Lab.Device);
            Log(Device.Describe());
        }
        else
        {
            Device = device;
        }
    }

    /// <summary>The device the lab's data and models live on.</summary>
    public ComputeDevice Device { get; }

    /// <summary>The effective options (shrunk in smoke mode).</summary>
    public TOptions Options { get; }

    /// <summary>The shared settings in force: <see cref="Options"/>' <see cref="ILabOptions{TSelf}.Lab"/>.</summary>
    public LabSettings Lab => Options.Lab;

    /// <summary>Where training progress goes.</summary>
    protected ITrainingProgress Progress { get; }

    /// <summary>Where the lab's messages go.</summary>
    protected Action<string> Log { get; }
}
