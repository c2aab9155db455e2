using System.Diagnostics;
using KdLabs.Training;

namespace KdLabs.Studio;

/// <summary>
/// The teacher's training progress, kept for the page (<see cref="StudioStatus"/>) and passed on to the terminal's display;
/// where a stopping studio interrupts the teacher (between batches, so its checkpoints stay whole). Reads only what the
/// trainer reports: no extra pass, no random draw.
/// </summary>
internal sealed class TeacherProgress(ITrainingProgress forward, Action<StudioStatus> publish, CancellationToken stop, Func<TimeSpan>? clock = null) : ITrainingProgress
{
    private readonly Func<TimeSpan> now = clock ?? WallClock();
    private readonly Action<StudioStatus> publish = publish;
    private readonly CancellationToken stop = stop;

    private static Func<TimeSpan> WallClock()
    {
        var watch = Stopwatch.StartNew();
        return () => watch.Elapsed;
    }

    public T Run<T>(string title, Func<IProgressSink, T> body) => forward.Run(title, sink => body(new Sink(sink, this)));

    private sealed class Sink(IProgressSink inner, TeacherProgress owner) : IProgressSink
    {
        private TimeSpan epochStart;
        private int epoch;
        private int epochs;
        private int steps;
        private double? testAccuracy;

        public void StartEpoch(int epoch, int epochs, int steps)
        {
            owner.stop.ThrowIfCancellationRequested();
            (this.epoch, this.epochs, this.steps, epochStart) = (epoch, epochs, steps, owner.now());
            inner.StartEpoch(epoch, epochs, steps);
            Publish(0, null, null);
        }

        public void Update(int step, double loss, double accuracy, double imagesPerSecond)
        {
            owner.stop.ThrowIfCancellationRequested();
            inner.Update(step, loss, accuracy, imagesPerSecond);
            var elapsed = owner.now() - epochStart;
            // The rest of the epoch at its pace so far, elapsed × (steps − step) / step.
            var epochLeft = step <= 0 || step >= steps ? TimeSpan.Zero : elapsed * ((double)(steps - step) / step);
            // Later epochs at this epoch's pace, as the terminal's lines estimate it.
            var left = epochLeft + ((elapsed + epochLeft) * (epochs - epoch));
            Publish(step, accuracy, step > 0 ? left.TotalSeconds : null);
        }

        public void EndEpoch(EpochMetrics metrics)
        {
            inner.EndEpoch(metrics);
            if (!double.IsNaN(metrics.TestAccuracy))
            {
                testAccuracy = metrics.TestAccuracy;
            }
            var elapsed = owner.now() - epochStart;
            Publish(steps, metrics.TrainAccuracy, elapsed.TotalSeconds * (epochs - epoch));
            owner.stop.ThrowIfCancellationRequested();
        }

        public void Note(string line) => inner.Note(line);

        private void Publish(int step, double? trainAccuracy, double? secondsLeft) =>
            owner.publish(new StudioStatus(StudioPhase.TrainingTeacher, $"training the teacher: epoch {epoch} of {epochs}")
            {
                Epoch = epoch, Epochs = epochs, Step = step, Steps = steps, TrainAccuracy = trainAccuracy, TestAccuracy = testAccuracy, SecondsLeft = secondsLeft,
            });
    }
}
