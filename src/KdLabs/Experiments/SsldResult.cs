namespace KdLabs.Experiments;

/// <summary>Everything the SSLD lab measured; written as results.json.</summary>
/// <param name="Options">The effective options.</param>
/// <param name="Machine">Where it ran.</param>
/// <param name="WallSeconds">Wall time of the whole lab.</param>
/// <param name="TeacherAccuracy">The teacher's test accuracy (trained on the labelled subset only).</param>
/// <param name="PoolSize">Unlabelled images available.</param>
/// <param name="MinedPerClass">Images mined per class by the teacher's confidence (by the teacher's predicted class).</param>
/// <param name="MinedPseudoLabelAccuracy">How often the teacher's class for a mined image is its true label (the labels are read only for this).</param>
/// <param name="Rows">Every trained student.</param>
public sealed record SsldResult(SsldOptions Options, string Machine, double WallSeconds, double TeacherAccuracy, int PoolSize,
    long[] MinedPerClass, double MinedPseudoLabelAccuracy, IReadOnlyList<SsldRow> Rows)
{
    /// <summary>Mean ± std over seeds of each recipe, in the order the recipes first appear.</summary>
    public IEnumerable<(string Group, string Name, SeedStatistics Stats)> Summary() =>
        Rows.GroupBy(r => (r.Group, r.Name)).Select(g => (g.Key.Group, g.Key.Name, SeedStatistics.Of(g.Select(r => r.TestAccuracy))));
}
