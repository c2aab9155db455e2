using KdLabs.Methods;

namespace KdLabs.Experiments;

/// <summary>One method of the zoo over its seeds.</summary>
/// <param name="Method">The method.</param>
/// <param name="Accuracy">Test accuracy after the last epoch, mean ± std over seeds.</param>
/// <param name="DeltaVsKd">Accuracy minus plain KD's of the same seed (paired), or null when KD was not run or this is KD.</param>
/// <param name="SeedsAboveKd">Seeds on which this method beat plain KD.</param>
/// <param name="TimeRatio">Seconds per epoch over the no-KD student's of the same seed (median of the per-seed ratios), or null without a no-KD run.</param>
/// <param name="PeakMemoryMb">Mean peak resident memory of its runs trained in this process, or null when all were restored from checkpoints.</param>
/// <param name="TrainingOnlyParameters">Parameters trained alongside the student and dropped afterwards.</param>
public sealed record ZooMethodSummary(IDistillationMethod Method, SeedStatistics Accuracy, SeedStatistics? DeltaVsKd, int SeedsAboveKd, double? TimeRatio,
    double? PeakMemoryMb, long TrainingOnlyParameters)
{
    /// <summary>"yes, every seed", "no, …": whether it beat plain KD here, in words a table can carry.</summary>
    public string VersusKd => DeltaVsKd switch
    {
        null => "—",
        { } d when SeedsAboveKd == d.Count => $"yes, on every seed ({d.Count})",
        { } d when SeedsAboveKd == 0 => $"no, below on every seed ({d.Count})",
        { } d => $"no clear difference: above on {SeedsAboveKd} of {d.Count} seeds",
    };
}
