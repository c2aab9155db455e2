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
    /// The two-sided 95 % quantile of Student's t, t(0.975, <paramref name="degreesOfFreedom"/>): the three-decimal table
    /// up to 30 degrees of freedom, and past it the Cornish-Fisher expansion about the normal quantile (four terms in 1/ν,
    /// within 1e-5 of the exact value from 31 on; 1.96 alone would make the interval up to 4 % too narrow at 31).
    /// </summary>
    public static double TQuantile975(int degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(degreesOfFreedom, 1);
        if (degreesOfFreedom <= T95.Length)
        {
            return T95[degreesOfFreedom - 1];
        }
        const double z = 1.959963984540054; // the normal distribution's 0.975 quantile
        double nu = degreesOfFreedom, z2 = z * z, z3 = z2 * z, z5 = z3 * z2, z7 = z5 * z2, z9 = z7 * z2;
        double g1 = (z3 + z) / 4;
        double g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
        double g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
        double g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
        return z + g1 / nu + g2 / (nu * nu) + g3 / (nu * nu * nu) + g4 / (nu * nu * nu * nu);
    }

    /// <summary>
    /// The 95 % confidence interval of the mean, mean ± t(0.975, n − 1)·std/√n (Student's t, <see cref="TQuantile975"/>);
    /// NaN bounds for a single value. For paired per-seed differences it is the interval of the mean gain.
    /// </summary>
    public (double Low, double High) ConfidenceInterval95()
    {
        if (Count < 2)
        {
            return (double.NaN, double.NaN);
        }
        double t = TQuantile975(Count - 1);
        double half = t * StandardDeviation / Math.Sqrt(Count);
        return (Mean - half, Mean + half);
    }

    /// <summary>Formats fractions as percentages, e.g. "98.91 ± 0.05 % (3 seeds)".</summary>
    public string ToPercentString() =>
        string.Create(CultureInfo.InvariantCulture, $"{100 * Mean:0.00}{(double.IsNaN(StandardDeviation) ? "" : $" ± {100 * StandardDeviation:0.00}")} % ({Count} seed{(Count == 1 ? "" : "s")})");
}
