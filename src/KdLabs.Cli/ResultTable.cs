using KdLabs.Experiments;
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

    public static void Print(MnistDistillationResult result)
    {
        Print($"MNIST {result.Options.Family}: test set, last epoch{(result.Options.Smoke ? " (SMOKE: tiny subsets)" : "")}", MnistDistillationReport.Header,
            MnistDistillationReport.Cells(result.Rows), $"{result.Machine}; wall time {result.WallSeconds:0} s");
        var summary = new Table().Border(TableBorder.Rounded).Title("Students over seeds (last epoch)").AddColumns("Student", "Test accuracy, mean ± std");
        foreach (var (name, value) in MnistDistillationReport.SummaryLines(result))
        {
            summary.AddRow(Markup.Escape(name), Markup.Escape(value));
        }
        AnsiConsole.Write(summary);
    }
}
