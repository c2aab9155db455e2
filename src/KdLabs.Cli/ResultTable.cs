using KdLabs.Experiments;
using Spectre.Console;

namespace KdLabs.Cli;

/// <summary>Prints a lab's comparison table.</summary>
internal static class ResultTable
{
    public static void Print(MnistDistillationResult result)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape($"MNIST {result.Options.Family}: test set, last epoch{(result.Options.Smoke ? " (SMOKE: tiny subsets)" : "")}"));
        foreach (var h in MnistDistillationReport.Header)
        {
            table.AddColumn(new TableColumn(Markup.Escape(h)).RightAligned());
        }
        foreach (var row in MnistDistillationReport.Cells(result.Rows))
        {
            table.AddRow(row.Select(Markup.Escape).ToArray());
        }
        table.Caption(Markup.Escape($"{result.Machine}; wall time {result.WallSeconds:0} s"));
        AnsiConsole.Write(table);
        var summary = new Table().Border(TableBorder.Rounded).Title("Students over seeds (last epoch)").AddColumns("Student", "Test accuracy, mean ± std");
        foreach (var (name, value) in MnistDistillationReport.SummaryLines(result))
        {
            summary.AddRow(Markup.Escape(name), Markup.Escape(value));
        }
        AnsiConsole.Write(summary);
    }
}
