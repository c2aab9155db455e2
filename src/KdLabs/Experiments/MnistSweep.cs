using System.Globalization;
using System.Text;
using KdLabs.Data;
using KdLabs.Plots;
using Plotly.NET;
using CSharpChart = Plotly.NET.CSharp.Chart;
using KdLabs.Infrastructure;

namespace KdLabs.Experiments;

/// <summary>
/// Trains one distilled student per (α, T) pair from the same teacher, cached teacher logits and
/// student initialisation, so the grid isolates the effect of α and T. α = 1 is the no-KD baseline: T has no effect
/// there, so it is trained once and shown as a flat row. Every cell is scored on the lab's
/// <see cref="MnistDistillationLab.Evaluation"/> set: choose α and T on a validation lab
/// (<see cref="MnistDistillationOptions.Validation"/> &gt; 0) and touch the test set once, with the chosen pair.
/// </summary>
public static class MnistSweep
{
    /// <summary>Runs the grid with <paramref name="lab"/>'s data, teacher and training settings.</summary>
    public static IReadOnlyList<SweepCell> Run(MnistDistillationLab lab, IReadOnlyList<double> alphas, IReadOnlyList<double> temperatures)
    {
        if (alphas.Count == 0 || temperatures.Count == 0)
        {
            throw new ArgumentException("A sweep needs at least one α and one T.");
        }
        var cells = new List<SweepCell>();
        foreach (double alpha in alphas)
        {
            SweepCell? noKd = null;
            foreach (double t in temperatures)
            {
                // α = 1 weights the soft term 0, so T changes no bit of that student (tested): one run stands for the row,
                // a fifth of lesson 01's grid time.
                if (alpha == 1 && noKd is not null)
                {
                    cells.Add(noKd with { Temperature = t });
                    continue;
                }
                var (model, history) = lab.TrainDistilledScoredOnce(alpha, t);
                using (model)
                {
                    // The history is measured on the evaluation set (validation images when the lab holds them out), so its errors are counted there too.
                    var last = history.Last;
                    int errors = (int)Math.Round((1 - last.TestAccuracy) * lab.Evaluation.Count);
                    cells.Add(new SweepCell(alpha, t, last.TestAccuracy, errors, history.TotalSeconds, lab.EvaluationName));
                }
                if (alpha == 1)
                {
                    noKd = cells[^1];
                }
            }
        }
        return cells;
    }

    /// <summary>
    /// The cells as CSV (invariant culture); the accuracy column is named after their evaluation set
    /// (<c>test_accuracy</c> or <c>validation_accuracy</c>).
    /// </summary>
    public static string ToCsv(IEnumerable<SweepCell> cells)
    {
        var list = cells.ToList();
        var sb = new StringBuilder($"alpha,temperature,{EvaluationSet(list)}_accuracy,errors,train_seconds\n");
        foreach (var c in list)
        {
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture, $"{c.Alpha},{c.Temperature},{c.Accuracy:0.#####},{c.Errors},{c.TrainSeconds:0.0}"));
        }
        return sb.ToString();
    }

    /// <summary>Writes <c>sweep.csv</c> and <c>sweep.html</c> (the heatmap) into <paramref name="directory"/>.</summary>
    public static (string Csv, string Html) Write(IReadOnlyList<SweepCell> cells, string directory, string title)
    {
        string csv = Path.Combine(directory, "sweep.csv");
        string html = Path.Combine(directory, "sweep.html");
        AtomicFile.WriteAllText(csv, ToCsv(cells));
        new HtmlReport(title).Chart(Heatmap(cells, title)).Table(["α", "T", AccuracyHeader(cells), "Errors"],
            cells.Select(c => (IReadOnlyList<string>)[c.Alpha.ToString(CultureInfo.InvariantCulture), c.Temperature.ToString(CultureInfo.InvariantCulture),
                c.Accuracy.ToString("P2", CultureInfo.InvariantCulture), c.Errors.ToString(CultureInfo.InvariantCulture)])).Save(html);
        return (csv, html);
    }

    /// <summary>The accuracy column's header, after the cells' evaluation set: "Test accuracy" or "Validation accuracy".</summary>
    public static string AccuracyHeader(IReadOnlyList<SweepCell> cells)
    {
        string split = EvaluationSet(cells);
        return TextCase.Capitalized(split) + " accuracy";
    }

    /// <summary>The one evaluation set of <paramref name="cells"/> ("test" when there are none): a table mixing splits would compare unlike numbers.</summary>
    private static string EvaluationSet(IReadOnlyList<SweepCell> cells)
    {
        var splits = cells.Select(c => c.EvaluationSet).Distinct().ToList();
        return splits.Count switch
        {
            0 => "test",
            1 => splits[0],
            _ => throw new ArgumentException($"The sweep's cells are scored on different sets ({string.Join(", ", splits)}); write each split's cells separately.", nameof(cells)),
        };
    }

    /// <summary>Accuracy (%) on the cells' evaluation set over α (rows) × T (columns).</summary>
    public static GenericChart Heatmap(IReadOnlyList<SweepCell> cells, string title)
    {
        var alphas = cells.Select(c => c.Alpha).Distinct().Order().ToArray();
        var temps = cells.Select(c => c.Temperature).Distinct().Order().ToArray();
        var z = alphas.Select(a => temps.Select(t => Math.Round(100 * cells.First(c => c.Alpha == a && c.Temperature == t).Accuracy, 2)));
        var chart = CSharpChart.Heatmap<double, string, string, string>(
            zData: z,
            X: temps.Select(t => "T=" + t.ToString(CultureInfo.InvariantCulture)).ToArray(),
            Y: alphas.Select(a => "α=" + a.ToString(CultureInfo.InvariantCulture)).ToArray(),
            ColorScale: StyleParam.Colorscale.Viridis);
        return chart.Titled(title, "Temperature T", "α (weight of the hard-label term)", 640, 460);
    }
}
