using KdLabs.Infrastructure;
using KdLabs.Plots;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Experiments;

/// <summary>
/// The contract every lab keeps: options checked and shrunk for smoke mode, the device (resolved once, printed
/// with the reason), where progress and messages go, torch's thread count (1 when other jobs share the machine: two jobs
/// of two threads on two cores run 3–6× slower), one <see cref="Run"/> that does the whole lab and returns its result,
/// and one way its results are written (<see cref="WriteResults"/>: results.json, results.md, report.html).
/// </summary>
/// <typeparam name="TOptions">The lab's options record: <see cref="LabSettings"/> as <c>Lab</c>, <see cref="TrainingSettings"/> as <c>Training</c>, Hinton's α and T as <c>Kd</c>.</typeparam>
/// <typeparam name="TResult">What <see cref="Run"/> measured.</typeparam>
public abstract class LabBase<TOptions, TResult>
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

    /// <summary>
    /// Runs the whole lab as the CLI does (every seed, every row), writes its results into
    /// <see cref="LabSettings.OutputDirectory"/> with <see cref="WriteResults"/> and returns them. Lessons may call the
    /// lab's steps one by one instead (e.g. <c>TrainBaseline</c>, <c>TrainDistilled</c>).
    /// </summary>
    public abstract TResult Run();

    /// <summary>Writes the run's figures (<paramref name="json"/>), tables and report into the output folder: the same three files for every lab.</summary>
    protected LabFiles WriteResults(object json, string markdown, HtmlReport html) => LabResults.Write(Lab.OutputDirectory, json, markdown, html);
}
