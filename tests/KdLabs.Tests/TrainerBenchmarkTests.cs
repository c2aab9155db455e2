using KdLabs.Data;
using KdLabs.Experiments;

namespace KdLabs.Tests;

[Collection(TorchRngCollection.Name)]
public class TrainerBenchmarkTests
{
    [Fact]
    public void TheRatioIsTheMedianOfPerRoundRatiosAndLiesInsideTheirRange()
    {
        using var data = MnistDataset.Load(train: true, TestData.MnistDirectory, 256);
        var lines = new List<string>();
        var r = TrainerBenchmark.Run(data, "cnn-student", batchSize: 64, rounds: 3, lines.Add);

        Assert.True(r.TrainerImagesPerSecond > 0 && r.BareImagesPerSecond > 0);
        Assert.InRange(r.Ratio, r.RatioRange.Min, r.RatioRange.Max);
        Assert.Equal(3, lines.Count(l => l.Contains(": ratio ")));
        Assert.Contains(lines, l => l.StartsWith("warm-up", StringComparison.Ordinal));
    }

    [Fact]
    public void ZeroRoundsIsRejected()
    {
        using var data = MnistDataset.Load(train: true, TestData.MnistDirectory, 64);
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainerBenchmark.Run(data, rounds: 0));
    }
}
