using System.Globalization;
using System.Text;
using KdLabs.Data;
using KdLabs.Datasets;
using KdLabs.Evaluation;
using KdLabs.Infrastructure;
using KdLabs.Plots;
using KdLabs.Training;

namespace KdLabs.Experiments;

/// <summary>Tables and the results.json / report.html of a chest X-ray lab run. Every title says whether the data was the synthetic stand-in.</summary>
public static class ChestXrayReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Column headers of the model comparison of a test-set run (<see cref="HeaderFor"/> names the run's split).</summary>
    public static IReadOnlyList<string> Header { get; } = HeaderOf("Test");

    /// <summary>Column headers of the seed summary of a test-set run (<see cref="SeedHeaderFor"/> names the run's split).</summary>
    public static IReadOnlyList<string> SeedHeader { get; } = SeedHeaderOf("Test");

    /// <summary>Column headers of the model comparison, the accuracy named after the split the run reports on.</summary>
    public static IReadOnlyList<string> HeaderFor(ChestXrayResult result) => HeaderOf(TextCase.Capitalized(result.EvaluationName));

    /// <summary>Column headers of the seed summary, the accuracy named after the split the run reports on.</summary>
    public static IReadOnlyList<string> SeedHeaderFor(ChestXrayResult result) => SeedHeaderOf(TextCase.Capitalized(result.EvaluationName));

    private static IReadOnlyList<string> HeaderOf(string split) =>
        ["Model", "Params", "Size (KB)", $"{split} acc.", "Sensitivity", "Specificity", "ROC AUC", "Confusion [[TN FP] [FN TP]]", "Latency b=1 (ms)", "Speedup"];

    private static IReadOnlyList<string> SeedHeaderOf(string split) =>
        ["Student", "Seeds", $"{split} acc. mean ± std", "Sens. mean", "Spec. mean", "AUC mean ± std", "Δacc. vs no KD", "ΔAUC vs no KD"];

    /// <summary>The comparison rows as text: teacher and each student variant of the first seed.</summary>
    public static IEnumerable<IReadOnlyList<string>> Cells(ChestXrayResult result) =>
        new[] { result.Teacher }.Concat(result.FirstSeedStudents).Select(r => (IReadOnlyList<string>)
        [
            r.Name + (r.Variant == "teacher" ? "" : $" seed {r.Seed}"), r.Parameters.ToString("N0", Inv), (r.SizeBytes / 1024.0).ToString("N0", Inv),
            Pct(r.TestAccuracy), Pct(r.Sensitivity), Pct(r.Specificity), r.RocAuc.ToString("0.000", Inv),
            $"[[{r.Confusion[0][0]} {r.Confusion[0][1]}] [{r.Confusion[1][0]} {r.Confusion[1][1]}]]",
            r.LatencyMs.ToString(r.LatencyMs < 1 ? "0.000" : "0.00", Inv), r.SpeedupVsTeacher.ToString("0.#", Inv) + "×",
        ]);

    /// <summary>The seed summary rows as text.</summary>
    public static IEnumerable<IReadOnlyList<string>> SeedCells(ChestXrayResult result) => result.Summaries.Select(s => (IReadOnlyList<string>)
    [
        s.Variant, s.Seeds.ToString(Inv), $"{Pct(s.AccuracyMean)} ± {Pp(s.AccuracyStd)} pp", Pct(s.SensitivityMean), Pct(s.SpecificityMean),
        $"{Fixed(s.AucMean)} ± {Fixed(s.AucStd)}",
        s.Variant == StudentVariant.NoDistillation.Name ? "—" : $"{Signed(100 * s.AccuracyGainMean)} ± {Pp(s.AccuracyGainStd)} pp",
        s.Variant == StudentVariant.NoDistillation.Name ? "—" : $"{Signed(s.AucGainMean, "0.000")} ± {Fixed(s.AucGainStd)}",
    ]);

    /// <summary>The soft-target table as text.</summary>
    public static IEnumerable<IReadOnlyList<string>> SoftTargetCells(ChestXrayResult result) => result.SoftTargets.Select(s => (IReadOnlyList<string>)
        [s.Temperature.ToString("0.##", Inv), Pct(s.MeanOtherClassProbability), s.MeanEntropyBits.ToString("0.000", Inv)]);

    /// <summary>A markdown version of all three tables, for docs.</summary>
    public static string Markdown(ChestXrayResult result)
    {
        static string Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows) => new StringBuilder().AppendTable(header, rows).ToString();
        return $"**{result.DataLabel}**, {result.Options.ImageSize} px, {result.EvaluationName} set after the last epoch.\n\n"
            + Table(HeaderFor(result), Cells(result)) + "\n"
            + $"Students over seeds {string.Join(", ", result.Options.Lab.Seeds)} (last epoch; Δ = paired difference to the no-KD student of the same seed):\n\n"
            + Table(SeedHeaderFor(result), SeedCells(result)) + "\n"
            + "Teacher soft targets on the training set:\n\n"
            + Table(["T", "Mean prob. on the other class", "Mean entropy (bits)"], SoftTargetCells(result));
    }

    /// <summary>Writes results.json, results.md (the tables) and report.html into <paramref name="directory"/> (<see cref="LabResults"/>).</summary>
    public static LabFiles Write(ChestXrayResult result, string directory) => LabResults.Write(directory, Json(result), Markdown(result), Html(result));

    /// <summary>results.json: the data, the settings and every figure of the run.</summary>
    public static object Json(ChestXrayResult result)
    {
        var o = result.Options;
        return new
        {
            Data = result.DataLabel, result.Synthetic, result.DataRoot, result.DataSummary, Options = o with { }, result.Machine, result.WallSeconds,
            result.TeacherSha256, result.Loading, result.Latency, Speedup = result.Latency.Speedup, Speedup224 = result.Latency.Speedup224,
            Models = result.Rows, SeedSummaries = result.Summaries, result.SoftTargets,
            Histories = result.Histories.Select(h => new { h.RunName, h.Epochs }),
        };
    }

    /// <summary>report.html: the settings, the tables, the curves, ROC and confusion matrices of the first seed's models.</summary>
    public static HtmlReport Html(ChestXrayResult result)
    {
        var o = result.Options;

        var shown = new[] { result.Teacher }.Concat(result.FirstSeedStudents).ToList();
        var classes = new[] { "NORMAL", "PNEUMONIA" };
        string split = result.EvaluationName, splitTitle = TextCase.Capitalized(split);
        // The one teacher is trained against the test set for both kinds of run, so its per-epoch curve is a test-set one.
        string curves = result.EvaluationSplit == DatasetSplit.Test ? "Test accuracy per epoch" : $"Accuracy per epoch (teacher: test set; students: {split} set)";
        var report = new HtmlReport($"Lesson 03 — chest X-ray: ResNet-18 → 4-filter CNN — {result.DataLabel}");
        if (result.Synthetic)
        {
            report.Paragraph("SYNTHETIC STAND-IN: these images are drawn by KdLabs' generator, not radiographs. The numbers show the method and the code path; they say nothing about pneumonia detection.");
        }
        report.Paragraph($"{o.ImageSize}×{o.ImageSize} px; teacher {o.Teacher.Epochs} epoch(s) with random horizontal flips, students {o.Training.Epochs} epoch(s); batch {o.Training.BatchSize}; Adam; seeds {string.Join(", ", o.Lab.Seeds)}. Walk-through loss: distillation weight {o.DistillationWeight}, T ∈ {{{string.Join(", ", o.Temperatures)}}}; {(o.Kd is { } g ? $"the kit's loss: α = {g.Alpha} on the hard labels, T = {g.Temperature}." : "the kit's general loss not trained.")} All numbers on the {split} set after the last epoch.")
            .Paragraph($"Machine: {result.Machine}. Wall time {result.WallSeconds:0} s.")
            .Code(result.DataSummary)
            .Table(HeaderFor(result), Cells(result))
            .Heading("Students over seeds")
            .Table(SeedHeaderFor(result), SeedCells(result))
            .ChartRow([BinaryClassificationCharts.SeedPoints(result.Rows.Skip(1).Select(r => (r.Variant, r.Seed, 100 * r.TestAccuracy)), $"Student {split} accuracy per seed — {result.DataLabel}", $"{splitTitle} accuracy (%)")])
            .Heading("Metrics and ROC")
            .ChartRow([
                BinaryClassificationCharts.MetricBars(["accuracy", "sensitivity", "specificity", "ROC AUC"],
                    shown.Select(r => (r.Name, new[] { r.TestAccuracy, r.Sensitivity, r.Specificity, r.RocAuc })), $"{splitTitle} metrics — {result.DataLabel}", "Value"),
                BinaryClassificationCharts.RocCurves(shown.Select(r => (r.Name, r.RocFpr, r.RocTpr, r.RocAuc)), $"ROC, PNEUMONIA positive — {result.DataLabel}"),
            ])
            .Heading("Confusion matrices (rows: true class)")
            .ChartRow(shown.Select(r => EvaluationCharts.ConfusionMatrix(ToReport(r), classes, r.Name)))
            .Heading("Size and speed")
            .ChartRow([
                EvaluationCharts.Bars(shown.Take(2).Select(r => (r.Name, (double)r.Parameters)), "Parameters", "count"),
                EvaluationCharts.Bars([($"teacher {result.Latency.ImageSize}px", result.Latency.TeacherMs), ($"student {result.Latency.ImageSize}px", result.Latency.StudentMs),
                    ("teacher 224px", result.Latency.TeacherMs224), ("student 224px", result.Latency.StudentMs224)], $"Latency on {result.Latency.Device}, batch 1 (median)", "ms per image"),
            ])
            .Paragraph($"Speed-up of the student over the teacher: {result.Latency.Speedup:0}× at {result.Latency.ImageSize} px, {result.Latency.Speedup224:0}× at 224 px (the walk-through reports 11× on its hardware).")
            .Heading("Training")
            .ChartRow([TrainingCharts.TestAccuracy(result.Histories, curves, result.EvaluationSplit == DatasetSplit.Test ? "Test accuracy (%)" : "Accuracy (%)"), TrainingCharts.TrainLoss(result.Histories)])
            .Heading("What temperature does with two classes")
            .Table(["T", "Mean prob. on the other class", "Mean entropy (bits)"], SoftTargetCells(result))
            .Paragraph("With two classes a soft target is one number, p(PNEUMONIA): it says how sure the teacher is, not which other classes look alike. Raising T pulls p toward ½, so the soft term carries more of the teacher's confidence ranking; at T = 1 a confident teacher's targets are nearly the hard labels.");
        return report;
    }

    private static ClassificationReport ToReport(ChestXrayModelResult r) =>
        new(r.Confusion.Sum(x => x.Sum()), r.Confusion[0][1] + r.Confusion[1][0], r.TestAccuracy, [], r.Confusion);

    private static string Fixed(double v) => double.IsNaN(v) ? "n/a" : v.ToString("0.000", Inv);

    private static string Pct(double v) => double.IsNaN(v) ? "n/a" : v.ToString("P1", Inv);

    private static string Pp(double v) => double.IsNaN(v) ? "n/a" : (100 * v).ToString("0.0", Inv);

    private static string Signed(double v, string format = "0.0") => double.IsNaN(v) ? "n/a" : (v >= 0 ? "+" : "") + v.ToString(format, Inv);
}
