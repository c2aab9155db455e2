using System.Globalization;
using KdLabs.Experiments;

namespace KdLabs.Studio;

/// <summary>
/// A setting's distilled and labels-only students over its seeds: each one's mean ± std, the paired gain (KD − no KD, in
/// points, seed by seed) and its 95 % t interval, and the verdict the page states. The rule, fixed before any result was
/// looked at: with two or more seeds, a gain whose 95 % interval excludes 0 is a gain (or a loss), one whose interval
/// includes 0 is within the seed spread and reads as noise; one seed has no spread and gets no verdict.
/// </summary>
public sealed record SeedSpread(SeedStatistics Distilled, SeedStatistics Baseline, SeedStatistics Gain)
{
    /// <summary>The statistics of (KD accuracy, no-KD accuracy) pairs, one per seed, accuracies as fractions.</summary>
    public static SeedSpread Of(IReadOnlyList<(double Distilled, double Baseline)> seeds) => new(
        SeedStatistics.Of(seeds.Select(s => s.Distilled)),
        SeedStatistics.Of(seeds.Select(s => s.Baseline)),
        SeedStatistics.Of(seeds.Select(s => 100 * (s.Distilled - s.Baseline))));

    /// <summary>The 95 % t interval of the mean paired gain, in points (NaN bounds for one seed).</summary>
    public (double Low, double High) GainInterval => Gain.ConfidenceInterval95();

    /// <summary>"gain", "loss", "noise" (the interval includes 0) or "one-seed".</summary>
    public string Verdict => Gain.Count < 2 ? "one-seed" : GainInterval.Low > 0 ? "gain" : GainInterval.High < 0 ? "loss" : "noise";

    /// <summary>The verdict in plain words, with the numbers it rests on.</summary>
    public string Describe()
    {
        var c = CultureInfo.InvariantCulture;
        string gain = string.Create(c, $"{Gain.Mean:+0.00;−0.00;0.00}");
        if (Gain.Count < 2)
        {
            return $"One seed: {gain} points, but with nothing to compare it to this cannot be told from noise. Run 3 or more seeds.";
        }
        var (low, high) = GainInterval;
        string spread = string.Create(c, $"{gain} ± {Gain.StandardDeviation:0.00} points (paired gain, mean ± std over {Gain.Count} seeds; 95 % interval [{low:+0.00;−0.00;0.00}, {high:+0.00;−0.00;0.00}])");
        return Verdict switch
        {
            "gain" => $"KD beats the labels-only student by {spread}: more than the seed-to-seed noise.",
            "loss" => $"KD is below the labels-only student by {spread}: more than the seed-to-seed noise.",
            _ => $"KD vs labels only: {spread}. The interval includes 0, so this difference is within the seed spread: read it as noise, not as a gain"
                + (Gain.Count < 3 ? "; with 2 seeds the interval is very wide, run 3 or more." : "."),
        };
    }
}
