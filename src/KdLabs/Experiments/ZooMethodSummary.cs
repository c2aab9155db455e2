using System.Globalization;
using KdLabs.Methods;

namespace KdLabs.Experiments;

/// <summary>One method of the zoo over its seeds.</summary>
/// <param name="Method">The method.</param>
/// <param name="Accuracy">Test accuracy after the last epoch, mean ± std over seeds.</param>
/// <param name="DeltaVsKd">Accuracy minus plain KD's of the same seed (paired), or null when KD was not run or this is KD.</param>
/// <param name="SeedsAboveKd">Seeds on which this method beat plain KD (strictly above).</param>
/// <param name="SeedsTiedWithKd">Seeds on which it matched plain KD exactly (the same number of test errors).</param>
/// <param name="TimeRatio">Seconds per epoch over the no-KD student's of the same seed (median of the per-seed ratios), or null without a no-KD run.</param>
/// <param name="PeakMemoryMb">Mean peak resident memory of its runs trained in this process, or null when all were restored from checkpoints.</param>
/// <param name="TrainingOnlyParameters">Parameters trained alongside the student and dropped afterwards.</param>
public sealed record ZooMethodSummary(IDistillationMethod Method, SeedStatistics Accuracy, SeedStatistics? DeltaVsKd, int SeedsAboveKd, int SeedsTiedWithKd, double? TimeRatio,
    double? PeakMemoryMb, long TrainingOnlyParameters)
{
    /// <summary>Seeds on which it was below plain KD.</summary>
    public int SeedsBelowKd => DeltaVsKd is { } d ? d.Count - SeedsAboveKd - SeedsTiedWithKd : 0;

    /// <summary>
    /// "yes, on every seed (3)", "no, below on every seed (3)", …: whether it beat plain KD here, in words a table can
    /// carry. Ties are counted apart (a tie is neither a win nor a loss), and one seed makes no "every seed" claim.
    /// </summary>
    public string VersusKd => DeltaVsKd switch
    {
        null => "—",
        { Count: 1 } d => string.Create(CultureInfo.InvariantCulture, $"one seed: {100 * d.Mean:+0.00;-0.00;0.00}, no claim"),
        { } d when SeedsAboveKd == d.Count => $"yes, on every seed ({d.Count})",
        { } d when SeedsBelowKd == d.Count => $"no, below on every seed ({d.Count})",
        { } d when SeedsTiedWithKd == d.Count => $"no difference: tied on every seed ({d.Count})",
        { } d => $"no clear difference: above on {SeedsAboveKd} of {d.Count} seeds{(SeedsTiedWithKd > 0 ? $", tied on {SeedsTiedWithKd}" : "")}",
    };
}
