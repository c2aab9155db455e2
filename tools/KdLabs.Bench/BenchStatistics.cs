namespace KdLabs.Bench;

/// <summary>The one median every benchmark reports, so the suite, its page and the single-question commands agree.</summary>
public static class BenchStatistics
{
    /// <summary>
    /// The middle value of <paramref name="values"/> in sorted order, or the mean of the two middle values when their count
    /// is even. NaN (a side that was not measured) sorts first, as <see cref="double.CompareTo(double)"/> orders it.
    /// </summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        int n = sorted.Length;
        if (n == 0)
        {
            throw new ArgumentException("The median of no values is undefined.", nameof(values));
        }
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
