using Plotly.NET;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace KdLabs.Plots;

/// <summary>Charts for two-class results: ROC curves and grouped metric bars.</summary>
public static class BinaryClassificationCharts
{
    /// <summary>ROC curves (false-positive rate vs true-positive rate), one per model, with the chance diagonal.</summary>
    public static GenericChart RocCurves(IEnumerable<(string Name, double[] Fpr, double[] Tpr, double Auc)> curves, string title)
    {
        var lines = curves.Select(c => CSharpChart.Line<double, double, string>(x: c.Fpr, y: c.Tpr, Name: $"{c.Name} (AUC {c.Auc:0.000})")).ToList();
        lines.Add(CSharpChart.Line<double, double, string>(x: new[] { 0.0, 1.0 }, y: new[] { 0.0, 1.0 }, Name: "chance"));
        return CSharpChart.Combine(lines).Titled(title, "False-positive rate (1 − specificity)", "True-positive rate (sensitivity)", 700, 500);
    }

    /// <summary>Grouped bars: one group per metric, one bar per model.</summary>
    public static GenericChart MetricBars(IReadOnlyList<string> metrics, IEnumerable<(string Model, double[] Values)> models, string title, string valueTitle) =>
        CSharpChart.Combine(models.Select(m => CSharpChart.Column<double, string, string>(
                values: m.Values, Keys: new Plotly.NET.CSharp.Optional<IEnumerable<string>>(metrics, true), Name: m.Model)))
            .Titled(title, "", valueTitle, 800, 450);

    /// <summary>One point per seed and model variant, to show the seed-to-seed spread behind a mean.</summary>
    public static GenericChart SeedPoints(IEnumerable<(string Variant, int Seed, double Value)> points, string title, string valueTitle) =>
        CSharpChart.Combine(points.GroupBy(p => p.Seed).Select(g => CSharpChart.Point<string, double, string>(
                x: g.Select(p => p.Variant), y: g.Select(p => p.Value), Name: $"seed {g.Key}")))
            .Titled(title, "", valueTitle, 800, 450);
}
