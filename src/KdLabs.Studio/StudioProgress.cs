using KdLabs.Training;

namespace KdLabs.Studio;

/// <summary>
/// The trainer's progress sink for a studio run: forwards every report as an event and is where a superseded run
/// stops, since the trainer calls it every <see cref="TrainerOptions.ReportEvery"/> steps.
/// </summary>
internal sealed class StudioProgress(string phase, int trainSize, int batchSize, Func<double> clock, Action<StudioEvent> emit, CancellationToken cancel)
    : ITrainingProgress, IProgressSink
{
    private int epoch;
    private int epochs;
    private int steps;

    public T Run<T>(string title, Func<IProgressSink, T> body) => body(this);

    public void StartEpoch(int epoch, int epochs, int steps)
    {
        cancel.ThrowIfCancellationRequested();
        this.epoch = epoch;
        this.epochs = epochs;
        this.steps = steps;
    }

    public void Update(int step, double loss, double accuracy, double imagesPerSecond)
    {
        cancel.ThrowIfCancellationRequested();
        long images = (long)(epoch - 1) * trainSize + Math.Min((long)step * batchSize, trainSize);
        emit(StudioEvent.Of("progress", new { phase, epoch, epochs, step, steps, images, loss, accuracy, imagesPerSecond, seconds = clock() }));
    }

    public void EndEpoch(EpochMetrics metrics)
    {
        long images = (long)metrics.Epoch * trainSize;
        emit(StudioEvent.Of("epoch", new
        {
            phase, epoch = metrics.Epoch, epochs, images, trainLoss = metrics.TrainLoss, trainAccuracy = metrics.TrainAccuracy,
            // Lesson 02's trainer scores the test set at mid-run and at the end only: the other epochs have none (JSON has no NaN).
            testAccuracy = double.IsNaN(metrics.TestAccuracy) ? (double?)null : metrics.TestAccuracy, seconds = clock(),
        }));
        cancel.ThrowIfCancellationRequested();
    }
}
