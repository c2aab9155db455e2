namespace KdLabs.Bench.Tests;

/// <summary>The median every benchmark figure is reported as.</summary>
public class BenchStatisticsTests
{
    [Theory]
    [InlineData(new[] { 7.0 }, 7.0)]
    [InlineData(new[] { 3.0, 1.0, 2.0 }, 2.0)] // odd count: the middle of the sorted values, not of the given order
    [InlineData(new[] { 4.0, 1.0, 3.0, 2.0 }, 2.5)] // even count: the mean of the two middle values
    [InlineData(new[] { 1.0, 100.0 }, 50.5)]
    [InlineData(new[] { 10.0, 10.0, 1.0, 1000.0, 10.0 }, 10.0)] // one outlier on each side moves nothing
    public void TheMedianOfAKnownListIsItsHandComputedValue(double[] values, double median) =>
        Assert.Equal(median, BenchStatistics.Median(values));

    [Fact]
    public void TheMedianOfNothingIsRefused() =>
        Assert.Throws<ArgumentException>(() => BenchStatistics.Median([]));
}
