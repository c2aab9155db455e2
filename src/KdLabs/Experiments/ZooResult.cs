using KdLabs.Methods;

namespace KdLabs.Experiments;

/// <summary>Everything the zoo measured; written as results.json.</summary>
/// <param name="Options">The effective options.</param>
/// <param name="Machine">Where it ran.</param>
/// <param name="WallSeconds">Wall time of the whole run, teachers included.</param>
/// <param name="TeacherIds">SHA-256 of each ensemble teacher's weights; the first is every single-teacher method's teacher.</param>
/// <param name="TeacherAccuracies">Each teacher's test accuracy.</param>
/// <param name="EnsembleAccuracy">Test accuracy of the teachers' averaged probabilities.</param>
/// <param name="TeacherLogitSeconds">Time to cache every teacher's logits on the training set once (shared by all logit methods and seeds, not in their epoch times).</param>
/// <param name="StudentParameters">Parameters of the deployed student.</param>
/// <param name="PeakMemoryPerRun">Whether the peak memory was reset before each run (Linux) or is the process's peak so far.</param>
/// <param name="Rows">Every trained student.</param>
public sealed record ZooResult(ZooOptions Options, string Machine, double WallSeconds, IReadOnlyList<string> TeacherIds, IReadOnlyList<double> TeacherAccuracies,
    double EnsembleAccuracy, double TeacherLogitSeconds, long StudentParameters, bool PeakMemoryPerRun, IReadOnlyList<ZooRow> Rows)
{
    /// <summary>One summary per method run, in the order of <see cref="ZooOptions.Methods"/>.</summary>
    public IReadOnlyList<ZooMethodSummary> Summary()
    {
        var kd = DistillationMethods.Get("kd").Key;
        var none = DistillationMethods.Get("none").Key;
        var kdBySeed = Rows.Where(r => r.Method == kd).ToDictionary(r => r.Seed);
        var noneBySeed = Rows.Where(r => r.Method == none).ToDictionary(r => r.Seed);
        var list = new List<ZooMethodSummary>();
        foreach (var key in Options.Methods)
        {
            var info = DistillationMethods.Get(key);
            var rows = Rows.Where(r => r.Method == info.Key).ToList();
            if (rows.Count == 0)
            {
                continue;
            }
            var paired = rows.Where(r => kdBySeed.ContainsKey(r.Seed)).Select(r => r.TestAccuracy - kdBySeed[r.Seed].TestAccuracy).ToList();
            var ratios = rows.Where(r => noneBySeed.ContainsKey(r.Seed)).Select(r => r.SecondsPerEpoch / noneBySeed[r.Seed].SecondsPerEpoch).ToList();
            list.Add(new ZooMethodSummary(info, SeedStatistics.Of(rows.Select(r => r.TestAccuracy)),
                info.Key == kd || paired.Count == 0 ? null : SeedStatistics.Of(paired),
                // Accuracies are error counts over the same test set, so a tie is an exact 0: neither a win nor a loss.
                paired.Count(d => d > 0), paired.Count(d => d == 0),
                ratios.Count == 0 ? null : Median(ratios),
                rows.Where(r => r.PeakMemoryMb is not null).Select(r => r.PeakMemoryMb!.Value).DefaultIfEmpty(double.NaN).Average() is var mb && double.IsNaN(mb) ? null : mb,
                rows[0].TrainingOnlyParameters));
        }
        return list;
    }

    // The median, not the mean: one seed slowed by another job on the machine should not move the column.
    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
