using Spectre.Console;

namespace KdLabs.Training;

/// <summary>Chooses how to show training progress.</summary>
public static class TrainingProgress
{
    /// <summary>No output.</summary>
    public static ITrainingProgress Silent { get; } = new SilentProgress();

    /// <summary>A live bar on an interactive terminal, one line per epoch otherwise (redirected output, CI, notebooks).</summary>
    public static ITrainingProgress Default() =>
        !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive
            ? new SpectreTrainingProgress()
            : new LineTrainingProgress();

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
