using System.Globalization;
using KdLabs.Evaluation;

namespace KdLabs.Training;

/// <summary>
/// Progress as lines on a text writer, for logs, CI and notebooks, where a live bar cannot redraw: one line per epoch,
/// and within an epoch longer than ten seconds a line every ten seconds with the batch, running loss and accuracy,
/// images/s and the time left, so a long cell never stays silent.
/// </summary>
public sealed class LineTrainingProgress : ITrainingProgress
{
    private readonly TextWriter? writer;
    private readonly TimeSpan interval;
    private readonly Func<TimeSpan>? clock;

    /// <summary>
    /// Writes to <paramref name="writer"/>, or standard output when null; in-epoch lines at most every
    /// <paramref name="interval"/> (ten seconds when null).
    /// </summary>
    public LineTrainingProgress(TextWriter? writer = null, TimeSpan? interval = null)
        : this(writer, interval ?? ProgressThrottle.DefaultInterval, null)
    {
    }

    /// <summary>With another clock: tests drive time by hand.</summary>
    internal LineTrainingProgress(TextWriter? writer, TimeSpan interval, Func<TimeSpan>? clock)
    {
        if (interval < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "The interval between progress lines cannot be negative.");
        }
        this.writer = writer;
        this.interval = interval;
        this.clock = clock;
    }

    /// <inheritdoc />
    public T Run<T>(string title, Func<IProgressSink, T> body) =>
        body(new Sink(writer ?? Console.Out, title, new ProgressThrottle(interval, clock)));

    private sealed class Sink(TextWriter writer, string title, ProgressThrottle throttle) : IProgressSink
    {
        private int epoch;
        private int epochs;
        private int steps;

        public void StartEpoch(int epoch, int epochs, int steps)
        {
            this.epoch = epoch;
            this.epochs = epochs;
            this.steps = steps;
            throttle.Restart();
        }

        public void Update(int step, double loss, double accuracy, double imagesPerSecond)
        {
            // The last batch's numbers are the epoch's line, written by EndEpoch.
            if (step <= 0 || step >= steps || !throttle.Due())
            {
                return;
            }
            var elapsed = throttle.Elapsed;
            var epochLeft = ProgressThrottle.Left(elapsed, step, steps);
            // Later epochs at this epoch's pace; evaluation between epochs is not counted, hence the "~".
            var runLeft = epochLeft + (elapsed + epochLeft) * (epochs - epoch);
            string left = epoch < epochs
                ? $"~{ProgressThrottle.Format(epochLeft)} left in epoch, ~{ProgressThrottle.Format(runLeft)} in run"
                : $"~{ProgressThrottle.Format(epochLeft)} left";
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{title} epoch {epoch}/{epochs}  batch {ProgressThrottle.Count(step)}/{ProgressThrottle.Count(steps)}  loss {loss:0.0000}  train {accuracy * 100:0.0} %  {ProgressThrottle.Count(imagesPerSecond)} img/s  {left}"));
            writer.Flush();
        }

        public void Note(string line)
        {
            writer.WriteLine($"{title} epoch {epoch}/{epochs}  {line}");
            writer.Flush();
        }

        public void EndEpoch(EpochMetrics m)
        {
            string test = double.IsNaN(m.TestAccuracy) ? "" : $"  test {m.TestAccuracy:P2}";
            writer.WriteLine($"{title} epoch {m.Epoch}/{epochs}  loss {m.TrainLoss:0.0000}  train {m.TrainAccuracy:P2}{test}  {m.Seconds:0.0} s  {m.ImagesPerSecond:0} img/s");
            writer.Flush();
        }
    }
}
