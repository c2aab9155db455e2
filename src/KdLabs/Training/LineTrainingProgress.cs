namespace KdLabs.Training;

/// <summary>One line per epoch on a text writer: for logs, CI and notebooks, where a live bar cannot redraw.</summary>
public sealed class LineTrainingProgress(TextWriter? writer = null) : ITrainingProgress
{
    /// <inheritdoc />
    public T Run<T>(string title, Func<IProgressSink, T> body) => body(new Sink(writer ?? Console.Out, title));

    private sealed class Sink(TextWriter writer, string title) : IProgressSink
    {
        private int epochs;

        public void StartEpoch(int epoch, int epochs, int steps) => this.epochs = epochs;

        public void Update(int step, double loss, double accuracy, double imagesPerSecond)
        {
        }

        public void EndEpoch(EpochMetrics m)
        {
            string test = double.IsNaN(m.TestAccuracy) ? "" : $"  test {m.TestAccuracy:P2}";
            writer.WriteLine($"{title} epoch {m.Epoch}/{epochs}  loss {m.TrainLoss:0.0000}  train {m.TrainAccuracy:P2}{test}  {m.Seconds:0.0} s  {m.ImagesPerSecond:0} img/s");
            writer.Flush();
        }
    }
}
