using KdLabs.Training;
using Spectre.Console;

namespace KdLabs.Cli;

/// <summary>
/// A live Spectre.Console progress bar per epoch with loss, accuracy and images/s, for interactive
/// terminals; the CLI installs it as <see cref="TrainingProgress.Default"/> when the console is interactive.
/// </summary>
public sealed class SpectreTrainingProgress(IAnsiConsole? console = null) : ITrainingProgress
{
    private readonly IAnsiConsole console = console ?? AnsiConsole.Console;

    /// <inheritdoc />
    public T Run<T>(string title, Func<IProgressSink, T> body) =>
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx => body(new Sink(ctx, title)));

    private sealed class Sink(ProgressContext ctx, string title) : IProgressSink
    {
        private ProgressTask? task;
        private int epoch;
        private int epochs;

        public void StartEpoch(int epoch, int epochs, int steps)
        {
            this.epoch = epoch;
            this.epochs = epochs;
            task = ctx.AddTask(Markup.Escape($"{title} epoch {epoch}/{epochs}"), maxValue: steps);
        }

        public void Update(int step, double loss, double accuracy, double imagesPerSecond)
        {
            if (task is null)
            {
                return;
            }
            task.Value = step;
            task.Description = Markup.Escape($"{title} epoch {epoch}/{epochs}  loss {loss:0.0000}  acc {accuracy:P1}  {imagesPerSecond:0} img/s");
        }

        public void EndEpoch(EpochMetrics m)
        {
            if (task is null)
            {
                return;
            }
            task.Value = task.MaxValue;
            string test = double.IsNaN(m.TestAccuracy) ? "" : $"  test {m.TestAccuracy:P2}";
            task.Description = Markup.Escape($"{title} epoch {m.Epoch}/{epochs}  loss {m.TrainLoss:0.0000}  train {m.TrainAccuracy:P2}{test}  {m.ImagesPerSecond:0} img/s");
            task.StopTask();
        }
    }
}
