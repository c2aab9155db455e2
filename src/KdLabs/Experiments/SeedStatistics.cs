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

    /// <summary>Formats fractions as percentages, e.g. "98.91 ± 0.05 % (3 seeds)".</summary>
    public string ToPercentString() =>
        string.Create(CultureInfo.InvariantCulture, $"{100 * Mean:0.00}{(double.IsNaN(StandardDeviation) ? "" : $" ± {100 * StandardDeviation:0.00}")} % ({Count} seed{(Count == 1 ? "" : "s")})");
}
