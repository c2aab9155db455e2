using System.Text.RegularExpressions;
using KdLabs.Data;
using KdLabs.Evaluation;
using KdLabs.Models;
using KdLabs.Training;

namespace KdLabs.Tests;

/// <summary>The line progress every notebook and log uses: an in-epoch line at most every interval, with the time left.</summary>
[Collection(TorchRngCollection.Name)]
public class ProgressLineTests
{
    private static EpochMetrics Metrics(int epoch) => new(epoch, 0.3, 0.9, double.NaN, 1e-3, 25, 4000);

    [Fact]
    public void InEpochLinesComeOncePerIntervalWithTheTimeLeftWorkedOutByHand()
    {
        var now = TimeSpan.Zero;
        var output = new StringWriter();
        var progress = new LineTrainingProgress(output, TimeSpan.FromSeconds(10), () => now);
        progress.Run("teacher", sink =>
        {
            now = TimeSpan.FromSeconds(0);
            sink.StartEpoch(2, 3, 100);
            now = TimeSpan.FromSeconds(4);
            sink.Update(25, 0.5, 0.8, 3000);           // 4 s since the epoch began: silent
            now = TimeSpan.FromSeconds(10);
            sink.Update(50, 0.41, 0.879, 2950);        // 10 s: a line. 10 s for 50 of 100 batches → 10 s left in the epoch;
                                                       // one more epoch of 20 s → 30 s left in the run
            now = TimeSpan.FromSeconds(15);
            sink.Update(75, 0.4, 0.88, 2950);          // 5 s since the last line: silent
            now = TimeSpan.FromSeconds(25);
            sink.Update(100, 0.39, 0.881, 2950);       // the last batch: the epoch line says it
            sink.EndEpoch(Metrics(2));

            now = TimeSpan.FromSeconds(26);
            sink.StartEpoch(3, 3, 100);
            now = TimeSpan.FromSeconds(36);
            sink.Update(25, 0.35, 0.9, 3100.4);        // 10 s for 25 of 100 → 30 s left, and it is the last epoch
            now = TimeSpan.FromSeconds(136);
            sink.Update(50, 0.34, 0.9, 3100);          // slowed down: 110 s for 50 → 110 s left = 1 min 50 s
            sink.EndEpoch(Metrics(3));
            return 0;
        });

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, lines.Length);
        Assert.Equal("teacher epoch 2/3  batch 50/100  loss 0.4100  train 87.9 %  2,950 img/s  ~10 s left in epoch, ~30 s in run", lines[0]);
        Assert.StartsWith("teacher epoch 2/3  loss 0.3000", lines[1]);
        Assert.Equal("teacher epoch 3/3  batch 25/100  loss 0.3500  train 90.0 %  3,100 img/s  ~30 s left", lines[2]);
        Assert.Equal("teacher epoch 3/3  batch 50/100  loss 0.3400  train 90.0 %  3,100 img/s  ~1 min 50 s left", lines[3]);
        Assert.StartsWith("teacher epoch 3/3  loss 0.3000", lines[4]);
    }

    [Fact]
    public void AnEpochShorterThanTheIntervalStaysOneLine()
    {
        var now = TimeSpan.Zero;
        var output = new StringWriter();
        new LineTrainingProgress(output, TimeSpan.FromSeconds(10), () => now).Run("student", sink =>
        {
            for (int epoch = 1; epoch <= 2; epoch++)
            {
                sink.StartEpoch(epoch, 2, 40);
                for (int step = 5; step <= 40; step += 5)
                {
                    now += TimeSpan.FromSeconds(1);
                    sink.Update(step, 0.5, 0.8, 3000);
                }
                sink.EndEpoch(Metrics(epoch));
            }
            return 0;
        });
        Assert.Equal(2, output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Theory]
    [InlineData(0.4, "0 s")]
    [InlineData(9.6, "10 s")]
    [InlineData(100, "1 min 40 s")]
    [InlineData(120, "2 min")]
    [InlineData(3900, "1 h 5 min")]
    public void DurationsReadToTheSecond(double seconds, string expected) =>
        Assert.Equal(expected, ProgressThrottle.Format(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void TimeLeftIsElapsedTimesTheShareStillToDo()
    {
        // 12 s for 300 of 1,200 images: 900 more at 25 images/s take 36 s.
        Assert.Equal(TimeSpan.FromSeconds(36), ProgressThrottle.Left(TimeSpan.FromSeconds(12), 300, 1200));
        Assert.Equal(TimeSpan.Zero, ProgressThrottle.Left(TimeSpan.FromSeconds(12), 0, 1200));
        Assert.Equal(TimeSpan.Zero, ProgressThrottle.Left(TimeSpan.FromSeconds(12), 1200, 1200));
    }

    [Fact]
    public void ARealTrainingRunWritesInEpochLinesAndTrainsTheSameAsASilentOne()
    {
        using var data = MnistDataset.Load(train: true, TestData.MnistDirectory, 300);
        var options = new TrainerOptions { Epochs = 2, BatchSize = 10, Seed = 3, ReportEvery = 5 };

        using var silentModel = ModelCatalog.Create("cnn-student", 3);
        var silent = new Trainer(options, TrainingProgress.Silent).Fit(silentModel, data, null, new SupervisedObjective(), "silent");

        var output = new StringWriter();
        using var model = ModelCatalog.Create("cnn-student", 3);
        // An interval of one tick: every report but each epoch's last batch becomes a line.
        var history = new Trainer(options, new LineTrainingProgress(output, TimeSpan.FromTicks(1))).Fit(model, data, null, new SupervisedObjective(), "kd");

        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        var inEpoch = new Regex(@"^kd epoch (\d)/2  batch (\d+)/30  loss \d+\.\d{4}  train \d+\.\d %  [\d,]+ img/s  ~\d+ s left");
        var epoch1 = lines.Where(l => inEpoch.Match(l) is { Success: true } m && m.Groups[1].Value == "1").ToList();
        Assert.NotEmpty(epoch1);
        Assert.All(epoch1, l => Assert.Contains("left in epoch", l));
        Assert.Contains(lines, l => inEpoch.Match(l) is { Success: true } m && m.Groups[1].Value == "2");
        Assert.StartsWith("kd epoch 2/2  loss", lines[^1]);
        Assert.Equal(2, lines.Count(l => !l.Contains("batch")));
        Assert.DoesNotContain(lines, l => l.Contains("batch 30/30"));
        // Progress only reads numbers the trainer already has: the run is bit for bit the silent one.
        Assert.Equal(silent.Epochs.Select(e => (e.TrainLoss, e.TrainAccuracy)), history.Epochs.Select(e => (e.TrainLoss, e.TrainAccuracy)));
    }

    [Fact]
    public void APredictionPassReportsEveryIntervalWithTheSameLogits()
    {
        using var data = MnistDataset.Load(train: true, TestData.MnistDirectory, 300);
        using var model = ModelCatalog.Create("cnn-student", 1);
        // A clock that moves 4 s each time it is read: started at 4; batches 1–2 read 8 and 12 (under 10 s since the start);
        // batch 3 reads 16 (12 s: a line; its elapsed time reads 20 → 16 s for 150 of 300 images → 16 s left, 9 img/s);
        // batch 4 reads 24 (8 s since the line), batch 5 reads 28 (12 s: a line; elapsed 32 − 4 = 28 s for 250 → 5.6 s left);
        // batch 6 is the last and says nothing.
        double t = 0;
        var throttle = new ProgressThrottle(TimeSpan.FromSeconds(10), () => TimeSpan.FromSeconds(t += 4));
        var lines = new List<string>();
        using var reported = Predictor.Pass(model, data, 50, lines.Add, throttle);
        using var plain = Predictor.Logits(model, data, 50);

        Assert.Equal(["150/300 images  9 img/s  ~16 s left", "250/300 images  9 img/s  ~6 s left"], lines);
        Assert.True(reported.eq(plain).all().item<bool>());
    }

    [Fact]
    public void ANoteBetweenBatchesIsALineOfItsEpoch()
    {
        var output = new StringWriter();
        new LineTrainingProgress(output).Run("student", sink =>
        {
            sink.StartEpoch(3, 4, 10);
            sink.Note("evaluation 3,200/10,000 images  1,000 img/s  ~7 s left");
            return 0;
        });
        Assert.Equal("student epoch 3/4  evaluation 3,200/10,000 images  1,000 img/s  ~7 s left" + Environment.NewLine, output.ToString());
    }
}
