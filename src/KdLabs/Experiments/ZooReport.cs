using System.Globalization;
using System.Text;
using System.Text.Json;
using KdLabs.Infrastructure;
using KdLabs.Methods;
using KdLabs.Plots;

namespace KdLabs.Experiments;

/// <summary>The zoo's table as Markdown and as a self-contained HTML report with a bar chart.</summary>
public static class ZooReport
{
    /// <summary>Header of <see cref="SummaryCells"/>.</summary>
    public static IReadOnlyList<string> SummaryHeader { get; } =
        ["Method", "Transfers", "Test accuracy (last epoch), mean ± std", "Δ vs KD (paired, points)", "Beats plain KD here?", "Time / epoch vs no KD (median over seeds)", "Peak RSS (MB)", "Training-only params"];

    /// <summary>One row per method.</summary>
    public static IEnumerable<IReadOnlyList<string>> SummaryCells(ZooResult result) => result.Summary().Select(s => (IReadOnlyList<string>)
    [
        s.Method.Title,
        s.Method.Knowledge,
        s.Accuracy.ToPercentString(),
        s.DeltaVsKd is { } d ? Points(d) : "—",
        s.VersusKd,
        s.TimeRatio is { } r ? string.Create(CultureInfo.InvariantCulture, $"{r:0.00}×") : "—",
        s.PeakMemoryMb is { } mb ? mb.ToString("0", CultureInfo.InvariantCulture) : "not measured (restored)",
        s.TrainingOnlyParameters == 0 ? "0" : s.TrainingOnlyParameters.ToString("N0", CultureInfo.InvariantCulture),
    ]);

    /// <summary>
    /// Writes results.md and report.html for <paramref name="result"/> into <paramref name="directory"/> (<see cref="LabResults"/>),
    /// and results.json too unless <paramref name="withJson"/> is false (rendering a results.json's tables again).
    /// </summary>
    public static LabFiles Write(ZooResult result, string directory, bool withJson = true) => LabResults.Write(directory, withJson ? result : null, Markdown(result), Html(result));

    // results.json files written before the method registry stored enum names; the registry matches the rest case-insensitively.
    private static readonly IReadOnlyDictionary<string, string> LegacyKeys = new Dictionary<string, string>
    {
        ["NoKd"] = "none", ["AttentionTransfer"] = "at", ["MultiTeacherAverage"] = "mt-avg", ["MultiTeacherRandom"] = "mt-random", ["MutualLearning"] = "dml",
    };

    /// <summary>Reads a zoo's results.json, e.g. to render its tables again with this version's report.</summary>
    public static ZooResult Read(string resultsJson)
    {
        try
        {
            var document = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(resultsJson));
            NestLegacyTraining(document?["Options"] as System.Text.Json.Nodes.JsonObject);
            var result = document.Deserialize<ZooResult>(LabResults.JsonOptions);
            return result is { Rows: not null, Options: not null }
                ? result with { Options = result.Options with { Methods = result.Options.Methods.Select(m => LegacyKeys.GetValueOrDefault(m, m)).ToList() } }
                : throw new Infrastructure.DataFormatException(resultsJson, "Rows", "missing", "Give the results.json that kdlabs zoo mnist writes.");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new Infrastructure.DataFormatException(resultsJson, e.Path ?? "(document)", $"not a zoo result ({e.Message})", "Give the results.json that kdlabs zoo mnist writes, or run it again.");
        }
    }

    // results.json files written before the labs shared TrainingSettings hold the students' epochs, batch size and learning
    // rate directly in Options; they move into Options.Training, so such a run's report states its own budget.
    private static void NestLegacyTraining(System.Text.Json.Nodes.JsonObject? options)
    {
        if (options is null || options.ContainsKey(nameof(ZooOptions.Training)))
        {
            return;
        }
        var training = new System.Text.Json.Nodes.JsonObject();
        foreach (var name in new[] { nameof(TrainingSettings.Epochs), nameof(TrainingSettings.BatchSize), nameof(TrainingSettings.LearningRate) })
        {
            if (options[name] is { } value)
            {
                options.Remove(name);
                training[name] = value;
            }
        }
        options[nameof(ZooOptions.Training)] = training;
    }

    /// <summary>results.md: the table, the teachers and the budget.</summary>
    public static string Markdown(ZooResult result)
    {
        var o = result.Options;
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Method zoo on {o.DatasetInfo().DisplayName}{(o.Lab.Smoke ? " (SMOKE: tiny subsets, not results)" : "")}: {Budget(result)}.");
        md.AppendLine();
        md.AppendTable(SummaryHeader, SummaryCells(result));
        md.AppendLine();
        foreach (var line in Notes(result))
        {
            md.AppendLine("- " + line);
        }
        return md.ToString();
    }

    /// <summary>report.html: accuracy per method with ± std error bars, the table and the notes.</summary>
    public static HtmlReport Html(ZooResult result)
    {
        var summary = result.Summary();
        var report = new HtmlReport($"Distillation method zoo on {result.Options.DatasetInfo().DisplayName}")
            .Paragraph(result.Options.Lab.Smoke ? "SMOKE MODE: tiny subsets and short runs; the numbers are not results." : Budget(result) + ".")
            .Chart(EvaluationCharts.BarsWithErrors(summary.Select(s => (s.Method.Title, 100 * s.Accuracy.Mean, double.IsNaN(s.Accuracy.StandardDeviation) ? 0 : 100 * s.Accuracy.StandardDeviation)),
                "Test accuracy after the last epoch (mean ± std over seeds)", "accuracy (%)"))
            .Table(SummaryHeader, SummaryCells(result));
        foreach (var line in Notes(result))
        {
            report.Paragraph(line);
        }
        return report;
    }

    private static string Budget(ZooResult result)
    {
        var o = result.Options;
        return string.Create(CultureInfo.InvariantCulture,
            $"the CNN student ({result.StudentParameters:N0} parameters), {o.Training.Epochs} passes over {(o.TransferSize is { } n ? $"the first {n:N0}" : o.TrainLimit is { } m ? $"{m:N0}" : "all")} training images per method (FitNets and FSP: {o.StageOneEpochs} of them in stage one), Adam {o.Training.LearningRate:g3}, batch {o.Training.BatchSize}, seeds {string.Join(", ", o.Lab.Seeds)}, test accuracy after the last epoch");
    }

    private static string TeacherImages(ZooOptions o) => o.TeacherImages is { } n ? $"the first {n:N0}" : "all";

    private static IEnumerable<string> Notes(ZooResult result)
    {
        var o = result.Options;
        yield return result.TeacherAccuracies.Count == 1
                ? string.Create(CultureInfo.InvariantCulture, $"Teacher (CNN, seed 1, {o.TeacherEpochs} epoch(s) on {TeacherImages(o)} training images): {100 * result.TeacherAccuracies[0]:0.00} %. No multi-teacher method was selected, so the ensemble was not trained.")
                : string.Create(CultureInfo.InvariantCulture, $"Teachers (CNN, seeds 1–{result.TeacherAccuracies.Count}, {o.TeacherEpochs} epoch(s) on {TeacherImages(o)} training images): {string.Join(", ", result.TeacherAccuracies.Select(a => $"{100 * a:0.00} %"))}; their averaged probabilities {100 * result.EnsembleAccuracy:0.00} %. Single-teacher methods use teacher 1.");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"Logit methods (KD, multi-teacher, DKD, FitNets' stage two) read teacher logits cached once ({result.TeacherLogitSeconds:0.0} s for all teachers, not in their epoch times); feature methods (FitNets' stage one, AT, FSP) run the teacher on every batch.");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"Settings (kd: this run's α and T; every other method its registered defaults; mutual learning reports the first student): {string.Join("; ", o.Methods.Select(o.Method).Select(Settings).Where(t => t.Length > 0))}.");
        yield return result.PeakMemoryPerRun
            ? "Peak RSS is the process's peak resident memory during each run (reset before it); it includes the data set, teachers and caches every run shares."
            : "Peak RSS is the process's peak since it started (this system cannot reset it), so later rows carry earlier runs' peaks.";
        foreach (var note in result.Rows.Where(r => r.Note.Length > 0).Select(r => $"{DistillationMethods.Get(r.Method).Title}, seed {r.Seed}: {r.Note}."))
        {
            yield return note;
        }
        yield return $"Machine: {result.Machine}; wall time {result.WallSeconds:0} s.";
    }

    private static string Settings(IDistillationMethod method)
    {
        var values = MethodOptionValues.Of(method.Options);
        return values.Count == 0 ? "" : $"{method.Key} {string.Join(", ", values.Select(v => $"{v.Name} = {v.Value}"))}";
    }

    private static string Points(SeedStatistics s) =>
        string.Create(CultureInfo.InvariantCulture, $"{100 * s.Mean:+0.00;-0.00}{(double.IsNaN(s.StandardDeviation) ? "" : $" ± {100 * s.StandardDeviation:0.00}")}");
}
