using System.Globalization;
using System.Text.Json;
using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Plots;
using KdLabs.Training;

namespace KdLabs.Experiments;

/// <summary>Writes a lab run's <c>results.json</c> and self-contained <c>report.html</c>.</summary>
public static class MnistDistillationReport
{
    /// <summary>Column headers of the comparison table of a test-set run (<see cref="HeaderFor(MnistDistillationResult)"/> names a run's own evaluation set).</summary>
    public static IReadOnlyList<string> Header { get; } = HeaderFor("test", teacherSawEvaluationImages: false);

    /// <summary>Title of the teacher's row when it trained on some of the images it is scored on.</summary>
    public const string TeacherOnItsTrainingImages = "teacher (trained on these images)";

    /// <summary>The teacher's best-epoch cell in a validation run: its training history was measured on the test set.</summary>
    public const string TeacherBestEpochOnTestSet = "n/a (history on the test set)";

    /// <summary>Column headers of <paramref name="result"/>'s comparison table: its evaluation set named, the agreement column marked when the teacher saw those images.</summary>
    public static IReadOnlyList<string> HeaderFor(MnistDistillationResult result) => HeaderFor(result.EvaluationName, result.TeacherSawEvaluationImages);

    private static IReadOnlyList<string> HeaderFor(string evaluationName, bool teacherSawEvaluationImages) =>
        ["Model", "Params", "Size (KB)", $"{TextCase.Capitalized(evaluationName)} acc. (last)", "Errors", "Best epoch acc.", "Agreement w/ teacher" + (teacherSawEvaluationImages ? " †" : ""),
            "Latency b=1 (ms)", "Latency b=256 (ms/img)", "Speedup b=1"];

    /// <summary>
    /// <paramref name="result"/>'s rows as text (<see cref="Cells(IEnumerable{ModelResult})"/>), the teacher's row (the first) marked when it trained
    /// on the evaluation images, and its best epoch left out when its history was measured on another set.
    /// </summary>
    public static IEnumerable<IReadOnlyList<string>> Cells(MnistDistillationResult result) => Cells(result.Rows).Select((cells, i) =>
    {
        if (i > 0)
        {
            return cells;
        }
        var teacher = cells.ToArray();
        teacher[0] = RowName(result, 0);
        if (result.TeacherHistoryOnOtherSet)
        {
            teacher[5] = TeacherBestEpochOnTestSet;
        }
        return (IReadOnlyList<string>)teacher;
    });

    /// <summary>Lines to print under the comparison table: what in it is not measured the way its headers say (none for a plain test-set run).</summary>
    public static IReadOnlyList<string> Caveats(MnistDistillationResult result)
    {
        var lines = new List<string>();
        if (result.TeacherSawEvaluationImages)
        {
            lines.Add($"† The teacher trained on {result.TeacherEvaluationOverlap:N0} of the {result.EvaluationName} images it is scored on, so its accuracy and the agreement column "
                + $"are measured partly on its own training images. Rerun with TeacherImages set to N ≤ {result.TeacherTrainingImages - result.TeacherEvaluationOverlap:N0}, to keep them apart.");
        }
        if (result.TeacherHistoryOnOtherSet)
        {
            lines.Add($"The teacher's training history was measured on the test set, so its best-epoch accuracy is not shown beside {result.EvaluationName} accuracies.");
        }
        return lines;
    }

    private static string RowName(MnistDistillationResult result, int row) =>
        row == 0 && result.TeacherSawEvaluationImages ? TeacherOnItsTrainingImages : result.Rows[row].Name;

    /// <summary>The table's rows as text, numbers rounded for reading.</summary>
    public static IEnumerable<IReadOnlyList<string>> Cells(IEnumerable<ModelResult> rows) => rows.Select(r => (IReadOnlyList<string>)
    [
        r.Name, r.Parameters.ToString("N0", CultureInfo.InvariantCulture), (r.SizeBytes / 1024.0).ToString("N0", CultureInfo.InvariantCulture),
        r.TestAccuracy.ToString("P2", CultureInfo.InvariantCulture), r.Errors.ToString(CultureInfo.InvariantCulture),
        $"{r.BestEpochTestAccuracy.ToString("P2", CultureInfo.InvariantCulture)} (ep {r.BestEpoch})",
        r.AgreementWithTeacher.ToString("P2", CultureInfo.InvariantCulture),
        r.LatencyMsBatch1.ToString("0.000", CultureInfo.InvariantCulture), r.LatencyMsBatch256.ToString("0.0000", CultureInfo.InvariantCulture),
        r.SpeedupVsTeacherBatch1.ToString("0.0", CultureInfo.InvariantCulture) + "×",
    ]);

    /// <summary>Baseline, distilled and paired gain over the student seeds, as text.</summary>
    public static Dictionary<string, string> SummaryLines(MnistDistillationResult result)
    {
        var (baseline, distilled, gain) = result.Summary();
        return new()
        {
            ["student (no KD)"] = baseline.ToPercentString(),
            [$"student (KD α={result.Options.Kd.Alpha}, T={result.Options.Kd.Temperature})"] = distilled.ToPercentString(),
            ["gain of KD (paired by seed, points)"] = gain.ToPercentString().Replace(" %", " pts"),
            ["gain of KD per seed (points)"] = string.Join(", ", result.Seeds.Select(x => $"seed {x.Seed}: {100 * (x.DistilledAccuracy - x.BaselineAccuracy):+0.00;-0.00;0.00}")),
            ["gain of KD, 95 % interval of the mean (t, n − 1 df)"] = gain.Count < 2 ? "needs 2 or more seeds"
                : string.Create(CultureInfo.InvariantCulture, $"[{100 * gain.ConfidenceInterval95().Low:+0.00;-0.00;0.00}, {100 * gain.ConfidenceInterval95().High:+0.00;-0.00;0.00}] pts"),
        };
    }

    /// <summary>Column headers of the omitted-class table (Hinton et al. 2015, section 3).</summary>
    public static IReadOnlyList<string> OmittedHeader { get; } =
        ["Student", "Seed", "Errors", "Errors on the omitted class", "Bias shift (fitted on held-out training images)", "Errors after the shift", "Errors on the omitted class after the shift"];

    /// <summary>The omitted-class table's rows as text.</summary>
    public static IEnumerable<IReadOnlyList<string>> OmittedCells(IEnumerable<OmittedClassOutcome> rows) => rows.Select(r => (IReadOnlyList<string>)
    [
        r.Model, r.Seed.ToString(CultureInfo.InvariantCulture), r.Errors.ToString(CultureInfo.InvariantCulture),
        $"{r.ClassErrors} of {r.ClassCount:N0} {r.Class}s",
        "+" + r.Shift.ToString("0.##", CultureInfo.InvariantCulture), r.ErrorsAfterShift.ToString(CultureInfo.InvariantCulture),
        $"{r.ClassErrorsAfterShift} of {r.ClassCount:N0} {r.Class}s",
    ]);

    /// <summary>Per-class accuracy of the first seed's distilled student (or any student) before and after the bias shift, omitted class marked.</summary>
    public static Plotly.NET.GenericChart OmittedClassChart(OmittedClassOutcome outcome, string setName, IReadOnlyList<string>? classNames = null) =>
        EvaluationCharts.PerClassAccuracy(classNames ?? MnistDataset.ClassNames, outcome.Class,
            [("before the bias shift", outcome.PerClassAccuracy), ($"after raising the {outcome.Class}'s logit by {outcome.Shift.ToString("0.##", CultureInfo.InvariantCulture)}", outcome.PerClassAccuracyAfterShift)],
            $"{outcome.Model}: {setName} accuracy per class, no {outcome.Class} in its transfer set", "never seen");

    /// <summary>results.md: the comparison and the seed summary as Markdown tables, for docs that quote a run verbatim.</summary>
    public static string Markdown(MnistDistillationResult result)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendTable(HeaderFor(result), Cells(result));
        foreach (string caveat in Caveats(result))
        {
            sb.AppendLine();
            sb.AppendLine(caveat);
        }
        sb.AppendLine();
        sb.AppendTable(["Student", $"{TextCase.Capitalized(result.EvaluationName)} accuracy after the last epoch, mean ± std"],
            SummaryLines(result).Select(kv => (IReadOnlyList<string>)[kv.Key, kv.Value]));
        if (result.Omitted.Count > 0)
        {
            sb.AppendLine();
            sb.AppendTable(OmittedHeader, OmittedCells(result.Omitted));
        }
        sb.AppendLine();
        sb.AppendLine($"Teacher trained on {result.TeacherTrainingImages:N0} images, students on {result.TransferImages:N0}; accuracies on the {result.EvaluationName} set.");
        sb.AppendLine($"Machine: {result.Machine}.");
        return sb.ToString();
    }

    /// <summary>Writes results.json, results.md and report.html into <paramref name="directory"/> (<see cref="LabResults"/>).</summary>
    public static LabFiles Write(MnistDistillationResult result, string directory) => LabResults.Write(directory, Json(result), Markdown(result), Html(result));

    /// <summary>results.json: the settings and every figure of the run.</summary>
    public static object Json(MnistDistillationResult result) => new
        {
            result.Options.Dataset, result.Options.Family, result.Options.Kd.Alpha, result.Options.Kd.Temperature, result.Options.Training.Epochs, result.Options.Training.BatchSize,
            result.Options.Training.LearningRate, Seed = result.Options.Lab.FirstSeed, result.Options.TrainLimit, result.Options.TestLimit, result.Options.Lab.Smoke,
            result.Options.Jitter, result.Options.MlpDropout, result.Options.InputDropout, result.Options.MaxNorm, result.Options.PlainStudents, Schedule = result.Options.Training.Schedule.ToString(), result.Options.Lab.Device,
            result.Options.TeacherEpochs, result.Options.TeacherImages, result.Options.TransferSize, result.Options.Validation,
            result.Options.OmitClass, result.EvaluationName, result.TeacherTrainingImages, result.TransferImages, result.TeacherSawEvaluationImages, result.TeacherEvaluationOverlap,
            Caveats = Caveats(result), result.Omitted,
            result.Machine, result.WallSeconds, result.TeacherSha256,
            Models = result.Rows,
            Histories = result.Histories.Select(h => new { h.RunName, h.Epochs }),
            Seeds = result.Seeds,
            Summary = SummaryLines(result),
            Confusion = result.Reports.Select((r, i) => new { Model = result.Rows[i].Name, r.Confusion, r.PerClassAccuracy }),
        };

    /// <summary>report.html: the settings, the tables, accuracy and loss per epoch, the omitted class and the confusion matrices.</summary>
    public static HtmlReport Html(MnistDistillationResult result)
    {
        var o = result.Options;
        var classNames = o.DatasetInfo().ClassNames;
        var report = new HtmlReport($"{o.DatasetInfo().DisplayName} distillation: {o.Family} teacher → student")
            .Paragraph($"α = {o.Kd.Alpha} (weight of the hard-label term), T = {o.Kd.Temperature}, students {o.Training.Epochs} epoch(s) on {result.TransferImages:N0} images"
                + (o.OmitClass is { } c ? $" (no {c}s)" : "") + $", teacher {o.TeacherEpochs ?? o.Training.Epochs} epoch(s) on {result.TeacherTrainingImages:N0}, batch {o.Training.BatchSize}, Adam lr {o.Training.LearningRate}, seed {o.Lab.FirstSeed}"
                + (o.Lab.Smoke ? ", SMOKE MODE (small subsets: numbers are not meaningful)" : "") + ".")
            .Paragraph($"Machine: {result.Machine}. Wall time {result.WallSeconds:0} s. Accuracies are on the {result.EvaluationName} set after the last epoch; the best epoch is shown for reference only.")
            .Table(HeaderFor(result), Cells(result));
        foreach (string caveat in Caveats(result))
        {
            report.Paragraph(caveat);
        }
        report
            .Heading($"Over student seeds ({result.EvaluationName} accuracy after the last epoch)")
            .Table(["Student", "Mean ± std"], SummaryLines(result).Select(kv => (IReadOnlyList<string>)[kv.Key, kv.Value]))
            .ChartRow([result.TeacherHistoryOnOtherSet
                    ? TrainingCharts.TestAccuracy(result.Histories, $"Accuracy per epoch: students on the {result.EvaluationName} set, the teacher on the test set", "Accuracy (%)")
                    : TrainingCharts.TestAccuracy(result.Histories),
                TrainingCharts.TrainLoss(result.Histories)]);
        if (result.Omitted.Count > 0)
        {
            report.Heading($"Omitted class: no {o.OmitClass}s in the students' transfer set (Hinton et al. 2015: 206 errors, 133 on the 1,010 3s; after a +3.5 bias, 109 and 14)")
                .Table(OmittedHeader, OmittedCells(result.Omitted))
                .ChartRow(result.Omitted.Where(r => r.Seed == result.Omitted[0].Seed).Select(r => OmittedClassChart(r, result.EvaluationName, classNames)));
        }
        report
            .Heading($"Confusion matrices ({result.EvaluationName} set)")
            .ChartRow(result.Reports.Select((r, i) => EvaluationCharts.ConfusionMatrix(r, classNames, RowName(result, i))));
        return report;
    }
}
