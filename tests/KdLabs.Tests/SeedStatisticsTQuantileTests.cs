using KdLabs.Experiments;

namespace KdLabs.Tests;

/// <summary>The 95 % interval of a mean over seeds uses Student's t for every number of seeds.</summary>
public class SeedStatisticsTQuantileTests
{
    [Theory]
    [InlineData(31, 2.0395)]
    [InlineData(40, 2.0211)]
    [InlineData(60, 2.0003)]
    [InlineData(120, 1.9799)]
    [InlineData(1000, 1.9623)]
    public void PastThirtyDegreesOfFreedomTheIntervalUsesTheTQuantileNot196(int degreesOfFreedom, double t)
    {
        // n values alternating ±1 around 0 (n even): mean 0, std √(n / (n − 1)), so the half-width divided by std/√n is t.
        int n = degreesOfFreedom + 1;
        var values = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? 1.0 : -1.0).ToArray();
        if (n % 2 == 1)
        {
            values[^1] = 0;
        }
        var stats = SeedStatistics.Of(values);
        var (low, high) = stats.ConfidenceInterval95();
        double quantile = (high - low) / 2 / (stats.StandardDeviation / Math.Sqrt(n));
        Assert.Equal(t, quantile, 1e-3);
        Assert.Equal(t, SeedStatistics.TQuantile975(degreesOfFreedom), 1e-4);
    }

    [Theory]
    [InlineData(1, 12.706)]
    [InlineData(2, 4.303)]
    [InlineData(30, 2.042)]
    public void UpToThirtyDegreesOfFreedomTheTableIsUnchanged(int degreesOfFreedom, double t)
    {
        Assert.Equal(t, SeedStatistics.TQuantile975(degreesOfFreedom));
        var stats = SeedStatistics.Of(Enumerable.Range(0, degreesOfFreedom + 1).Select(i => (double)i));
        Assert.Equal(stats.Mean + t * stats.StandardDeviation / Math.Sqrt(stats.Count), stats.ConfidenceInterval95().High);
    }
}
