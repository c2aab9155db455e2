using System.Globalization;

namespace KdLabs.Experiments;

/// <summary>Mean and sample standard deviation (n − 1) of a metric over seeds.</summary>
public sealed record SeedStatistics(int Count, double Mean, double StandardDeviation)
{
    /// <summary>Computes the statistics; the deviation is NaN for a single value.</summary>
    public static SeedStatistics Of(IEnumerable<double> values)
    {
        var v = values.ToArray();
        if (v.Length == 0)
        {
            throw new ArgumentException("No values.", nameof(values));
        }
        double mean = v.Average();
        double std = v.Length < 2 ? double.NaN : Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
        return new SeedStatistics(v.Length, mean, std);
    }

    // Two-sided 95 % quantiles of Student's t for 1..30 degrees of freedom.
    private static readonly double[] T95 =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];

    /// <summary>
    /// The 95 % confidence interval of the mean, mean ± t(0.975, n − 1)·std/√n (Student's t; 1.96 past 30 degrees of
    /// freedom); NaN bounds for a single value. For paired per-seed differences it is the interval of the mean gain.
    /// </summary>
    public (double Low, double High) ConfidenceInterval95()
    {
        if (Count < 2)
        {
            return (double.NaN, double.NaN);
        }
        double t = Count - 1 <= T95.Length ? T95[Count - 2] : 1.96;
        double half = t * StandardDeviation / Math.Sqrt(Count);
        return (Mean - half, Mean + half);
    }

    /// <summary>Formats fractions as percentages, e.g. "98.91 ± 0.05 % (3 seeds)".</summary>
    public string ToPercentString() =>
        string.Create(CultureInfo.InvariantCulture, $"{100 * Mean:0.00}{(double.IsNaN(StandardDeviation) ? "" : $" ± {100 * StandardDeviation:0.00}")} % ({Count} seed{(Count == 1 ? "" : "s")})");
}
