namespace KdLabs.Training;

/// <summary>Chooses how to show training progress.</summary>
public static class TrainingProgress
{
    /// <summary>No output.</summary>
    public static ITrainingProgress Silent { get; } = new SilentProgress();

    private static Func<ITrainingProgress> factory = () => new LineTrainingProgress();

    /// <summary>
    /// The progress a lab or trainer uses when given none: one line per epoch on standard output (notebooks, logs, CI),
    /// unless the host installed another with <see cref="SetDefault"/> (the CLI installs a live bar on a terminal).
    /// </summary>
    public static ITrainingProgress Default() => factory();

    /// <summary>Installs the host's progress display; the library itself never draws to a terminal.</summary>
    public static void SetDefault(Func<ITrainingProgress> create) => factory = create ?? throw new ArgumentNullException(nameof(create));

    private sealed class SilentProgress : ITrainingProgress, IProgressSink
    {
        public T Run<T>(string title, Func<IProgressSink, T> body) => body(this);

        public void StartEpoch(int epoch, int epochs, int steps)
        {
        }

        public void Update(int step, double loss, double accuracy, double imagesPerSecond)
        {
        }

        public void EndEpoch(EpochMetrics metrics)
        {
        }
    }
}
