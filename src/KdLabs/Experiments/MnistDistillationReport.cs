using System.Globalization;
using System.Text.Json;
using KdLabs.Data;
using KdLabs.Plots;
using KdLabs.Training;

namespace KdLabs.Experiments;

/// <summary>Writes a lab run's <c>results.json</c> and self-contained <c>report.html</c>.</summary>
public static class MnistDistillationReport
{
    /// <summary>Column headers of the comparison table.</summary>
    public static IReadOnlyList<string> Header { get; } =
        ["Model", "Params", "Size (KB)", "Test acc. (last)", "Errors", "Best epoch acc.", "Agreement w/ teacher", "Latency b=1 (ms)", "Latency b=256 (ms/img)", "Speedup b=1"];

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
            [$"student (KD α={result.Options.Alpha}, T={result.Options.Temperature})"] = distilled.ToPercentString(),
            ["gain of KD (paired by seed, points)"] = gain.ToPercentString().Replace(" %", " pts"),
        };
    }

    /// <summary>The comparison and the seed summary as Markdown tables, for docs that quote a run verbatim.</summary>
    public static string ToMarkdown(MnistDistillationResult result)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendTable(Header, Cells(result.Rows));
        sb.AppendLine();
        sb.AppendLine("| Student | Test accuracy after the last epoch, mean ± std |");
        sb.AppendLine("|---|---|");
        foreach (var (name, value) in SummaryLines(result))
        {
            sb.AppendLine($"| {name} | {value} |");
        }
        sb.AppendLine();
        sb.AppendLine($"Machine: {result.Machine}.");
        return sb.ToString();
    }

    /// <summary>Writes both files into <paramref name="directory"/>; returns their paths.</summary>
    public static (string Json, string Html) Write(MnistDistillationResult result, string directory)
    {
        string json = Path.Combine(directory, "results.json");
        string html = Path.Combine(directory, "report.html");
        var payload = new
        {
            result.Options.Family, result.Options.Alpha, result.Options.Temperature, result.Options.Epochs, result.Options.BatchSize,
            result.Options.LearningRate, result.Options.Seed, result.Options.TrainLimit, result.Options.TestLimit, result.Options.Smoke,
            result.Options.Jitter, result.Options.MlpDropout, result.Options.Device,
            result.Machine, result.WallSeconds, result.TeacherSha256,
            Models = result.Rows,
            Histories = result.Histories.Select(h => new { h.RunName, h.Epochs }),
            Seeds = result.Seeds,
            Summary = SummaryLines(result),
            Confusion = result.Reports.Select((r, i) => new { Model = result.Rows[i].Name, r.Confusion, r.PerClassAccuracy }),
        };
        AtomicFile.WriteAllText(json, JsonSerializer.Serialize(payload, Checkpoint.JsonOptions));

        var o = result.Options;
        var report = new HtmlReport($"MNIST distillation: {o.Family} teacher → student")
            .Paragraph($"α = {o.Alpha} (weight of the hard-label term), T = {o.Temperature}, {o.Epochs} epoch(s), batch {o.BatchSize}, Adam lr {o.LearningRate}, seed {o.Seed}"
                + (o.Smoke ? ", SMOKE MODE (small subsets: numbers are not meaningful)" : "") + ".")
            .Paragraph($"Machine: {result.Machine}. Wall time {result.WallSeconds:0} s. Accuracies are on the test set after the last epoch; the best epoch is shown for reference only.")
            .Table(Header, Cells(result.Rows))
            .Heading("Over student seeds (test accuracy after the last epoch)")
            .Table(["Student", "Mean ± std"], SummaryLines(result).Select(kv => (IReadOnlyList<string>)[kv.Key, kv.Value]))
            .ChartRow([TrainingCharts.TestAccuracy(result.Histories), TrainingCharts.TrainLoss(result.Histories)])
            .Heading("Confusion matrices (test set)")
            .ChartRow(result.Reports.Select((r, i) => EvaluationCharts.ConfusionMatrix(r, MnistDataset.ClassNames, result.Rows[i].Name)));
        report.Save(html);
        AtomicFile.WriteAllText(Path.Combine(directory, "results.md"), ToMarkdown(result));
        return (json, html);
    }
}
