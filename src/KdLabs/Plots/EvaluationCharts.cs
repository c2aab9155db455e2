using KdLabs.Evaluation;
using Plotly.NET;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace KdLabs.Plots;

/// <summary>Charts of evaluation results.</summary>
public static class EvaluationCharts
{
    /// <summary>Confusion matrix as a heatmap: rows are true classes, columns predictions, cells counts.</summary>
    public static GenericChart ConfusionMatrix(ClassificationReport report, IReadOnlyList<string> classNames, string title)
    {
        // Plotly draws the first row at the bottom; reverse so the matrix reads top-down like a table.
        var rows = report.Confusion.Reverse().Select(r => r.AsEnumerable());
        var chart = CSharpChart.Heatmap<int, string, string, string>(
            zData: rows, X: classNames.ToArray(), Y: classNames.Reverse().ToArray(), ColorScale: StyleParam.Colorscale.Viridis);
        return chart.Titled(title, "Predicted class", "True class", 520, 460);
    }

    /// <summary>A bar per named value, e.g. test accuracy per model.</summary>
    public static GenericChart Bars(IEnumerable<(string Name, double Value)> bars, string title, string valueTitle)
    {
        var list = bars.ToList();
        return CSharpChart.Column<double, string, string>(values: list.Select(b => b.Value), Keys: new Plotly.NET.CSharp.Optional<IEnumerable<string>>(list.Select(b => b.Name), true))
            .Titled(title, "", valueTitle, 600, 420);
    }
}
