using System.Globalization;
using System.Text.Json;
using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Models;
using KdLabs.Plots;
using KdLabs.Training;

namespace KdLabs.Experiments;

/// <summary>Writes a soft-tree lab run's <c>results.json</c> and self-contained <c>report.html</c>.</summary>
public static class SoftTreeReport
{
    /// <summary>Column headers of the per-tree table.</summary>
    public static IReadOnlyList<string> Header { get; } =
        ["Tree", "Seed", "Params", "Mixture acc. (last)", "Max-leaf acc. (last)", "Best epoch (mixture)", "β", "Train (s)"];

    /// <summary>Column headers of the summary table.</summary>
    public static IReadOnlyList<string> SummaryHeader { get; } = ["Model", "Params", "Mixture, mean ± std", "Max-leaf, mean ± std", "Paper (Frosst & Hinton 2017)"];

    /// <summary>Title of the teacher's row when it trained on some of the images it is scored on.</summary>
    public const string TeacherOnItsTrainingImages = "CNN teacher (trained on these images)";

    /// <summary>Lines to print under the summary table: what in it is not measured the way it says (none when the teacher never saw the evaluation images).</summary>
    public static IReadOnlyList<string> Caveats(SoftTreeLabResult result)
    {
        var caveats = new List<string>();
        if (result.TeacherSawEvaluationImages)
        {
            caveats.Add($"The CNN teacher trained on {result.TeacherEvaluationOverlap:N0} of the {result.EvaluationSet} images it is scored on, so its accuracy is measured partly on its own training images. "
                + $"A teacher trained on none of them ({nameof(MnistDistillationOptions.TeacherImages)} at most the trees' training images) would give an honest row.");
        }
        if (result.Options.Unlabelled > 0 && result.Has(SoftTreeRun.Distilled))
        {
            caveats.Add($"The distilled trees also learned from {result.Options.Unlabelled:N0} unlabelled images (the teacher's soft targets only); the hard-label trees did not see them. "
                + "The distilled trees' training accuracy counts those images as misses, since they have no label to match.");
        }
        return caveats;
    }

    /// <summary>The per-tree rows as text.</summary>
    public static IEnumerable<IReadOnlyList<string>> Cells(SoftTreeLabResult result) => result.Runs.Select(r => (IReadOnlyList<string>)
    [
        r.Kind, r.Seed.ToString(CultureInfo.InvariantCulture), r.Parameters.ToString("N0", CultureInfo.InvariantCulture),
        Percent(r.MixtureAccuracy), Percent(r.MaxLeafAccuracy), $"{Percent(r.BestEpochAccuracy)} (ep {r.BestEpoch})",
        r.Beta.ToString("0.00", CultureInfo.InvariantCulture), r.TrainSeconds.ToString("0", CultureInfo.InvariantCulture),
    ]);

    /// <summary>Teacher, hard-label trees, distilled trees and the paired gain, with the paper's numbers.</summary>
    public static IEnumerable<IReadOnlyList<string>> SummaryCells(SoftTreeLabResult result)
    {
        var paper = SoftTreeLabResult.Paper;
        long treeParams = result.Runs.Count > 0 ? result.Runs[0].Parameters : 0;
        string n = treeParams.ToString("N0", CultureInfo.InvariantCulture);
        if (result.TeacherParameters > 0)
        {
            yield return [result.TeacherSawEvaluationImages ? TeacherOnItsTrainingImages : "CNN teacher", result.TeacherParameters.ToString("N0", CultureInfo.InvariantCulture), Percent(result.TeacherAccuracy), "–", $"{Percent(paper.Teacher)} (their conv net)"];
        }
        if (result.Has(SoftTreeRun.HardLabel))
        {
            yield return [$"soft tree d={result.Options.Tree.Depth}, labels", n, result.Mixture(SoftTreeRun.HardLabel).ToPercentString(),
                result.MaxLeaf(SoftTreeRun.HardLabel).ToPercentString(), $"{Percent(paper.HardLabel)} (d=8; 94.34% in one write-up)"];
        }
        if (result.Has(SoftTreeRun.Distilled))
        {
            yield return [$"soft tree d={result.Options.Tree.Depth}, distilled (T={result.Options.Tree.Temperature:0.##}, w={result.Options.Tree.HardLabelWeight:0.##})", n,
                result.Mixture(SoftTreeRun.Distilled).ToPercentString(), result.MaxLeaf(SoftTreeRun.Distilled).ToPercentString(), $"{Percent(paper.Distilled)} (d=8)"];
        }
        if (result.Gain() is { } gain && result.Gain(maxLeaf: true) is { } leafGain)
        {
            yield return ["gain of distillation (paired by seed)", "", Points(gain), Points(leafGain), $"{100 * (paper.Distilled - paper.HardLabel):+0.00;-0.00} pts"];
        }
    }

    /// <summary>
    /// Writes results.json, results.md and report.html into <paramref name="directory"/> (<see cref="LabResults"/>); the
    /// report draws <paramref name="hard"/> and <paramref name="distilled"/> (either may be null) and the path of the first
    /// image of <paramref name="images"/>.
    /// </summary>
    public static LabFiles Write(SoftTreeLabResult result, string directory, SoftDecisionTree? hard = null,
        SoftDecisionTree? distilled = null, InMemoryDataset? images = null) =>
        LabResults.Write(directory, Json(result), Markdown(result), Html(result, hard, distilled, images));

    /// <summary>results.json: the settings and every figure of the run.</summary>
    public static object Json(SoftTreeLabResult result)
    {
        var o = result.Options;
        return new
        {
            o.Tree, o.Validation, o.TrainLimit, o.Unlabelled, o.TestLimit, o.Lab.Seeds, o.Lab.Smoke, o.Lab.Threads, o.Lab.Device,
            TeacherFamily = o.Teacher.Family, TeacherEpochs = o.Teacher.Training.Epochs,
            result.EvaluationSet, result.Machine, result.WallSeconds, result.TeacherSha256, result.TeacherAccuracy, result.TeacherParameters,
            result.TeacherSawEvaluationImages, result.TeacherEvaluationOverlap, Caveats = Caveats(result),
            Paper = new { SoftTreeLabResult.Paper.HardLabel, SoftTreeLabResult.Paper.Distilled, SoftTreeLabResult.Paper.Teacher },
            Summary = SummaryCells(result).Select(r => new { Model = r[0], Mixture = r[2], MaxLeaf = r[3], Paper = r[4] }),
            result.Runs,
            Histories = result.Histories.Select(h => new { h.RunName, h.Epochs }),
        };
    }

    /// <summary>results.md: the summary over seeds, the caveats and every tree, as Markdown tables.</summary>
    public static string Markdown(SoftTreeLabResult result)
    {
        var md = new System.Text.StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Soft decision tree (depth {result.Options.Tree.Depth}), {result.EvaluationSet} set after the last epoch{(result.Options.Lab.Smoke ? " (SMOKE: tiny subsets, not results)" : "")}.");
        md.AppendLine();
        md.AppendTable(SummaryHeader, SummaryCells(result));
        foreach (string caveat in Caveats(result))
        {
            md.AppendLine();
            md.AppendLine(caveat);
        }
        md.AppendLine();
        md.AppendTable(Header, Cells(result));
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {result.Machine}; wall time {result.WallSeconds:0} s.");
        return md.ToString();
    }

    /// <summary>report.html: the settings, the tables, the curves and, for the trees given, their filters, leaves and one image's path.</summary>
    public static HtmlReport Html(SoftTreeLabResult result, SoftDecisionTree? hard = null, SoftDecisionTree? distilled = null, InMemoryDataset? images = null)
    {
        var o = result.Options;
        var t = o.Tree;
        var report = new HtmlReport($"Distilling a CNN into a soft decision tree (depth {t.Depth})")
            .Paragraph($"Frosst & Hinton (2017) on MNIST: one tree trained on the labels and one on the teacher's soft targets (T = {t.Temperature}) per seed, "
                + $"same initial weights and data order. {t.Epochs} epoch(s), batch {t.BatchSize}, Adam lr {t.LearningRate}, λ = {t.PenaltyStrength}, "
                + $"loss: {new Losses.SoftTreeLoss(t.LossForm)}, hard-label weight when distilling {t.HardLabelWeight}."
                + (o.Lab.Smoke ? " SMOKE MODE (small subsets, one epoch: numbers are not meaningful)." : ""))
            .Paragraph($"Accuracies are on the {result.EvaluationSet} set after the last epoch (best epoch shown for reference only). "
                + $"Machine: {result.Machine}. Wall time {result.WallSeconds:0} s.")
            .Table(SummaryHeader, SummaryCells(result));
        foreach (string caveat in Caveats(result))
        {
            report.Paragraph(caveat);
        }
        report
            .Heading("Every tree")
            .Table(Header, Cells(result))
            .ChartRow([TrainingCharts.TestAccuracy(result.Histories, $"Mixture accuracy on the {result.EvaluationSet} set per epoch", $"{TextCase.Capitalized(result.EvaluationSet)} accuracy (%)"), TrainingCharts.TrainLoss(result.Histories)]);
        foreach (var (label, tree) in new[] { ("distilled", distilled), ("trained on labels", hard) })
        {
            if (tree is null)
            {
                continue;
            }
            report.Heading($"Inside the tree {label} (first seed)")
                .Chart(SoftTreePlots.Filters(tree))
                .Chart(SoftTreePlots.LeafDistributions(tree, MnistDataset.ClassNames));
            if (images is { Count: > 0 })
            {
                using var sample = images.Features.narrow(0, 0, 1);
                report.Chart(SoftTreePlots.DigitPath(tree, sample, MnistDataset.ClassNames));
            }
        }
        return report;
    }

    private static string Percent(double value) => value.ToString("P2", CultureInfo.InvariantCulture);

    private static string Points(SeedStatistics s) =>
        string.Create(CultureInfo.InvariantCulture, $"{100 * s.Mean:+0.00;-0.00}{(double.IsNaN(s.StandardDeviation) ? "" : $" ± {100 * s.StandardDeviation:0.00}")} pts");
}
