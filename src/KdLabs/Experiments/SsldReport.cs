using System.Globalization;
using System.Text;
using KdLabs.Plots;

namespace KdLabs.Experiments;

/// <summary>The SSLD lab's tables as Markdown and as a self-contained HTML report.</summary>
public static class SsldReport
{
    /// <summary>Header of <see cref="SummaryCells"/>.</summary>
    public static IReadOnlyList<string> SummaryHeader { get; } = ["Group", "Student", "Images / epoch", "Epochs", "Test accuracy (last epoch), mean ± std", "Δ vs labels only (paired, points)"];

    /// <summary>One row per recipe: mean ± std over its seeds, and its paired gain over the labels-only student of the same seeds.</summary>
    public static IEnumerable<IReadOnlyList<string>> SummaryCells(SsldResult result)
    {
        var baseline = result.Rows.Where(r => r.Name == "student, labels only").ToDictionary(r => r.Seed, r => r.TestAccuracy);
        foreach (var (group, name, stats) in result.Summary())
        {
            var rows = result.Rows.Where(r => r.Group == group && r.Name == name).ToList();
            var deltas = rows.Where(r => baseline.ContainsKey(r.Seed)).Select(r => r.TestAccuracy - baseline[r.Seed]).ToList();
            string delta = name == "student, labels only" || deltas.Count == 0 ? "—" : Points(SeedStatistics.Of(deltas));
            yield return [group, name, rows[0].TrainImages.ToString("N0", CultureInfo.InvariantCulture), rows[0].Epochs.ToString(CultureInfo.InvariantCulture), stats.ToPercentString(), delta];
        }
    }

    /// <summary>results.md: the summary table, the mining counts and the settings.</summary>
    public static string Markdown(SsldResult result)
    {
        var o = result.Options;
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"SSLD on MNIST{(o.Lab.Smoke ? " (SMOKE: tiny subsets, not results)" : "")}: {o.Labeled:N0} labelled images, {result.PoolSize:N0} unlabelled, test accuracy after the last epoch{(o.MineTopK ? "" : "; the main SSLD rows (and the fine-tune after them) distil on the whole pool, not the mined top-k")}{WholePoolEpochsNote(o)}.");
        md.AppendLine();
        md.AppendTable(SummaryHeader, SummaryCells(result));
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Teacher (batch-norm CNN, trained on the {o.Labeled:N0} labelled images only): {100 * result.TeacherAccuracy:0.00} % test accuracy.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Mined (top {o.TopK} per predicted class): {result.MinedPerClass.Sum():N0} images, per class {string.Join(", ", result.MinedPerClass)}; the teacher's class is right for {100 * result.MinedPseudoLabelAccuracy:0.00} % of them.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Ablations change one thing of the main SSLD row and use seed {o.Lab.FirstSeed} only.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {result.Machine}; wall time {result.WallSeconds:0} s.");
        return md.ToString();
    }

    /// <summary>report.html: a bar chart of the recipes and the tables.</summary>
    public static HtmlReport Html(SsldResult result)
    {
        // The ablations run on the first seed only (SsldLab.Run), whichever number it is.
        var bars = result.Summary().Select(s => ($"{s.Name}{(s.Group == "ablation" ? $" (seed {result.Options.Lab.FirstSeed})" : "")}", 100 * s.Stats.Mean));
        return new HtmlReport("SSLD on MNIST")
            .Paragraph(result.Options.Lab.Smoke ? "SMOKE MODE: tiny subsets and one epoch; the numbers are not results." : "Full run.")
            .Chart(EvaluationCharts.Bars(bars, "Test accuracy after the last epoch (mean over seeds)", "accuracy (%)"))
            .Table(SummaryHeader, SummaryCells(result))
            .Paragraph($"Mined per class: {string.Join(", ", result.MinedPerClass)}; pseudo-label accuracy {100 * result.MinedPseudoLabelAccuracy:0.00} %. Teacher {100 * result.TeacherAccuracy:0.00} %.")
            .Paragraph(result.Machine);
    }

    // Named only when it differs from the mined students' epochs, so the default report reads as before.
    private static string WholePoolEpochsNote(SsldOptions o) => o.EpochsOnWholePool() == o.Training.Epochs
        ? ""
        : string.Create(CultureInfo.InvariantCulture, $"; the whole-pool students train {Epochs(o.EpochsOnWholePool())}, the mined ones {Epochs(o.Training.Epochs)}");

    private static string Epochs(int n) => n == 1 ? "1 epoch" : $"{n} epochs";

    private static string Points(SeedStatistics s) =>
        string.Create(CultureInfo.InvariantCulture, $"{100 * s.Mean:+0.00;-0.00}{(double.IsNaN(s.StandardDeviation) ? "" : $" ± {100 * s.StandardDeviation:0.00}")} ({s.Count} seed{(s.Count == 1 ? "" : "s")})");
}
