using KdLabs.Data;
using KdLabs.Tests;

namespace KdLabs.Bench.Tests;

/// <summary><c>kdlabs bench train</c>: its schedule and statistics on stand-in timings, and one real round.</summary>
[Collection(TorchRngCollection.Name)]
public class TrainerBenchmarkTests
{
    [Fact]
    public void RoundsAlternateWhichLoopRunsFirstAndTheRatioIsTheMedianOfPerRoundRatios()
    {
        var calls = new List<string>();
        double[] trainer = [100, 300, 200], bare = [200, 100, 400];
        var lines = new List<string>();
        var r = TrainerBenchmark.Run(round => { calls.Add($"trainer {round}"); return round < 0 ? 1 : trainer[round]; },
            round => { calls.Add($"bare {round}"); return round < 0 ? 1 : bare[round]; }, "cnn-student", 256, 64, 3, lines.Add);

        // One untimed epoch of each first; then the trainer first in rounds 0 and 2, the bare loop first in round 1.
        Assert.Equal(["trainer -1", "bare -1", "trainer 0", "bare 0", "bare 1", "trainer 1", "trainer 2", "bare 2"], calls);
        Assert.Equal(200, r.TrainerImagesPerSecond);
        Assert.Equal(200, r.BareImagesPerSecond);
        // Per-round ratios 0.5, 3, 0.5: their median is 0.5, where the ratio of the medians would say 1.
        Assert.Equal(0.5, r.Ratio);
        Assert.Equal((0.5, 3.0), r.RatioRange);
        Assert.Equal(("cnn-student", 256, 64, 3), (r.Model, r.Images, r.BatchSize, r.Rounds));
        Assert.Equal(["round 1: ratio 0.50", "round 2: ratio 3.00", "round 3: ratio 0.50"], lines.Where(l => l.Contains(": ratio ", StringComparison.Ordinal)));
    }

    [Fact]
    public void WithAnEvenNumberOfRoundsTheMedianIsTheMeanOfTheMiddleTwo()
    {
        double[] trainer = [100, 300, 120, 400], bare = [100, 100, 100, 100];
        var r = TrainerBenchmark.Run(round => round < 0 ? 1 : trainer[round], round => round < 0 ? 1 : bare[round], "cnn-student", 256, 64, 4, null);
        Assert.Equal(210, r.TrainerImagesPerSecond); // (120 + 300) / 2
        Assert.Equal(2.1, r.Ratio, 12);
        Assert.Equal((1.0, 4.0), r.RatioRange);
    }

    [Fact]
    public void OneRealRoundReportsTheTrainerOverTheBareLoop()
    {
        using var data = MnistDataset.Load(train: true, TestData.MnistDirectory, 128);
        var lines = new List<string>();
        var r = TrainerBenchmark.Run(data, "cnn-student", batchSize: 64, rounds: 1, lines.Add);

        Assert.True(r.TrainerImagesPerSecond > 0 && r.BareImagesPerSecond > 0);
        // One round: its ratio is the whole answer, trainer over bare loop.
        Assert.Equal(r.TrainerImagesPerSecond / r.BareImagesPerSecond, r.Ratio, 12);
        Assert.Equal(128, r.Images);
        Assert.Equal("warm-up epoch of each done (not timed)", lines[0]);
    }

    [Fact]
    public void ZeroRoundsIsRejected()
    {
        using var data = MnistDataset.Load(train: true, TestData.MnistDirectory, 64);
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainerBenchmark.Run(data, rounds: 0));
    }
}
