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

    /// <summary>A bar per named mean with a ± error bar (e.g. the standard deviation over seeds), the value axis zoomed to the bars' range.</summary>
    public static GenericChart BarsWithErrors(IEnumerable<(string Name, double Value, double Error)> bars, string title, string valueTitle)
    {
        var list = bars.ToList();
        var chart = Bars(list.Select(b => (b.Name, b.Value)), title, valueTitle);
        // F# optional parameters: null is None.
        var errors = Plotly.NET.Chart.withYErrorStyle<double, double>(
            new Microsoft.FSharp.Core.FSharpOption<bool>(true), null, null,
            new Microsoft.FSharp.Core.FSharpOption<IEnumerable<double>>(list.Select(b => b.Error).ToArray()),
            null, null, null, null, null, null, null, null, null);
        chart = errors.Invoke(chart);
        // Start the axis near the data, not at 0: methods that differ by tenths of a point must look different.
        double low = list.Min(b => b.Value - b.Error), high = list.Max(b => b.Value + b.Error);
        double pad = Math.Max(0.1, 0.25 * (high - low));
        return Plotly.NET.CSharp.GenericChartExtensions.WithYAxisStyle<double, double, string>(chart, TitleText: valueTitle,
            MinMax: new Plotly.NET.CSharp.Optional<Tuple<double, double>>(Tuple.Create(low - pad, high + pad), true));
    }

    /// <summary>
    /// Per-class accuracy in percent, one group of bars per class and one bar per series (e.g. before and after a bias
    /// shift); the <paramref name="highlighted"/> class's label is marked so the eye finds it.
    /// </summary>
    public static GenericChart PerClassAccuracy(IReadOnlyList<string> classNames, int highlighted, IEnumerable<(string Series, double[] Accuracy)> series, string title, string highlightNote)
    {
        var keys = classNames.Select((c, i) => i == highlighted ? $"{c} ({highlightNote})" : c).ToArray();
        return CSharpChart.Combine(series.Select(s => CSharpChart.Column<double, string, string>(
                values: s.Accuracy.Select(a => 100 * a), Keys: new Plotly.NET.CSharp.Optional<IEnumerable<string>>(keys, true), Name: s.Series)))
            .Titled(title, "Class", "Accuracy (%)", 800, 420);
    }
}
