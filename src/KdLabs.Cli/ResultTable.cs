using KdLabs.Experiments;
using KdLabs.Infrastructure;
using Spectre.Console;

namespace KdLabs.Cli;

/// <summary>Prints a lab's comparison tables.</summary>
internal static class ResultTable
{
    /// <summary>One table of already formatted cells; numbers read best right-aligned, text-heavy tables left-aligned.</summary>
    public static void Print(string title, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, string caption = "", bool rightAligned = true)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(title));
        foreach (var h in header)
        {
            var column = new TableColumn(Markup.Escape(h));
            table.AddColumn(rightAligned ? column.RightAligned() : column);
        }
        foreach (var row in rows)
        {
            table.AddRow(row.Select(Markup.Escape).ToArray());
        }
        if (caption.Length > 0)
        {
            table.Caption(Markup.Escape(caption));
        }
        AnsiConsole.Write(table);
    }

    public static void Print(LogTargetMistakeResult m, string setName)
    {
        string Acc(ModelResult? r) => r is null ? "—" : r.TestAccuracy.ToString("P2", System.Globalization.CultureInfo.InvariantCulture);
        Print($"kl_div(log_softmax(s/T), log_softmax(t/T)) without log_target: {setName} set, last epoch", ["Soft term", "T²·value on the first batch (fresh student)", "Student accuracy", "Training"],
        [
            ["correct: KL(teacher ‖ student)", m.CorrectSoftTerm.ToString("G4", System.Globalization.CultureInfo.InvariantCulture), "(the KD row above)", ""],
            ["as written, this libtorch", m.AsWrittenSoftTerm.ToString("G4", System.Globalization.CultureInfo.InvariantCulture), Acc(m.AsWrittenStudent), m.AsWrittenTraining],
            ["as older libtorch computed it", m.OlderRuleSoftTerm.ToString("G4", System.Globalization.CultureInfo.InvariantCulture), Acc(m.OlderRuleStudent), "trained to the end"],
        ], rightAligned: false);
    }

    public static void Print(MnistDistillationResult result)
    {
        Print($"{result.Options.DatasetInfo().DisplayName} {result.Options.Family}: {result.EvaluationName} set, last epoch{(result.Options.Lab.Smoke ? " (SMOKE: tiny subsets)" : "")}", MnistDistillationReport.HeaderFor(result),
            MnistDistillationReport.Cells(result), $"{result.Machine}; wall time {result.WallSeconds:0} s");
        foreach (string caveat in MnistDistillationReport.Caveats(result))
        {
            AnsiConsole.WriteLine(caveat);
        }
        var summary = new Table().Border(TableBorder.Rounded).Title("Students over seeds (last epoch)").AddColumns("Student", $"{TextCase.Capitalized(result.EvaluationName)} accuracy, mean ± std");
        foreach (var (name, value) in MnistDistillationReport.SummaryLines(result))
        {
            summary.AddRow(Markup.Escape(name), Markup.Escape(value));
        }
        AnsiConsole.Write(summary);
        if (result.Omitted.Count > 0)
        {
            Print($"Omitted class {result.Options.OmitClass} (Hinton et al. 2015, 3s omitted: 206 errors, 133 on 3s; bias +3.5: 109, 14)", MnistDistillationReport.OmittedHeader,
                MnistDistillationReport.OmittedCells(result.Omitted));
        }
    }
}
