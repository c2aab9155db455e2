using KdLabs.Models;
using Microsoft.FSharp.Core;
using Plotly.NET;
using static TorchSharp.torch;
using CSharpChart = Plotly.NET.CSharp.Chart;
using CSharpExtensions = Plotly.NET.CSharp.GenericChartExtensions;

namespace KdLabs.Plots;

/// <summary>
/// Pictures of a <see cref="SoftDecisionTree"/> in the manner of Frosst &amp; Hinton (2017, Figs. 2–3): the
/// inner-node filters laid out as the tree, the leaves' class distributions, and the path one digit takes.
/// Filters and images are drawn on one heatmap canvas per chart, each scaled to its own largest |value|
/// so that red and blue mean the same sign everywhere (the filters' sizes differ by orders of magnitude).
/// </summary>
public static class SoftTreePlots
{
    /// <summary>Levels of filters drawn at most; a depth-8 tree has 255 filters, too many to read.</summary>
    public const int MaxFilterLevels = 4;

    private const int Gap = 6;

    /// <summary>The filters w_i of the top min(depth, 4) levels, each as a square image, placed as in the tree.</summary>
    public static GenericChart Filters(SoftDecisionTree tree)
    {
        int side = ImageSide(tree);
        int levels = Math.Min(tree.Depth, MaxFilterLevels);
        int cell = side + Gap;
        int slots = 1 << (levels - 1);
        var canvas = Canvas(levels * cell, slots * cell);
        var labels = new List<(double X, double Y, string Text)>();
        var filters = Rows(tree.Filters);
        for (int node = 0; node < (1 << levels) - 1; node++)
        {
            int level = SoftDecisionTree.NodeDepth(node);
            int span = slots >> level;
            int left = (int)((node - ((1 << level) - 1) + 0.5) * span * cell) - side / 2;
            int top = level * cell + Gap;
            Paste(canvas, filters[node], side, top, left);
            labels.Add((left + side / 2.0, top - Gap / 2.0, $"node {node}"));
        }
        string title = levels < tree.Depth ? $"Inner-node filters, top {levels} of {tree.Depth} levels" : "Inner-node filters";
        return Mosaic(canvas, labels, title, slots * 150 + 100, levels * 150 + 80);
    }

    /// <summary>Every leaf's distribution Q_ℓ = softmax(φ_ℓ) as a heatmap: classes × leaves.</summary>
    public static GenericChart LeafDistributions(SoftDecisionTree tree, IReadOnlyList<string> classNames)
    {
        using var q = nn.functional.softmax(tree.LeafLogits.detach(), 1);
        var byClass = Rows(q.t());
        var chart = CSharpChart.Heatmap<double, int, string, string>(
            zData: byClass, X: Enumerable.Range(0, tree.LeafCount).ToArray(), Y: classNames.ToArray(),
            ColorScale: StyleParam.Colorscale.Viridis);
        return Styled(chart, "Leaf class distributions Q_ℓ", "Leaf", "Class", Math.Clamp(tree.LeafCount * 8, 500, 1400), 420);
    }

    /// <summary>One leaf's distribution Q_ℓ as bars.</summary>
    public static GenericChart LeafDistribution(SoftDecisionTree tree, int leaf, IReadOnlyList<string> classNames)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(leaf);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(leaf, tree.LeafCount);
        using var q = nn.functional.softmax(tree.LeafLogits.detach()[leaf], 0);
        var chart = CSharpChart.Column<double, string, string>(values: Rows(q.unsqueeze(0))[0],
            Keys: new Plotly.NET.CSharp.Optional<IEnumerable<string>>(classNames, true));
        return Styled(chart, $"Leaf {leaf}: class distribution", "Class", "Q", 500, 360);
    }

    /// <summary>
    /// The path one sample (1 × …, e.g. one 1×28×28 digit) takes, following the more probable branch:
    /// the input, then each visited node's filter labelled with P (reach) and p (right), then the leaf's class.
    /// </summary>
    public static GenericChart DigitPath(SoftDecisionTree tree, Tensor sample, IReadOnlyList<string> classNames)
    {
        int side = ImageSide(tree);
        int cell = side + Gap;
        var (steps, leaf) = tree.GreedyPath(sample);
        var canvas = Canvas(cell + Gap, (steps.Count + 1) * cell);
        var labels = new List<(double X, double Y, string Text)>();
        Paste(canvas, Rows(sample.detach().reshape(1, -1))[0], side, Gap, 0);
        labels.Add((side / 2.0, Gap / 2.0, "input"));
        var filters = Rows(tree.Filters);
        for (int i = 0; i < steps.Count; i++)
        {
            var s = steps[i];
            Paste(canvas, filters[s.Node], side, Gap, (i + 1) * cell);
            labels.Add(((i + 1) * cell + side / 2.0, Gap / 2.0, $"node {s.Node}: P={s.ReachProbability:0.00}"));
            labels.Add(((i + 1) * cell + side / 2.0, cell + Gap / 2.0, $"p(right)={s.RightProbability:0.00} → {(s.GoesRight ? "R" : "L")}"));
        }
        using var q = nn.functional.softmax(tree.LeafLogits.detach()[leaf], 0);
        int best = (int)q.argmax().item<long>();
        string title = $"Path of one digit → leaf {leaf}, class {classNames[best]} (Q={q[best].item<float>():0.00})";
        return Mosaic(canvas, labels, title, (steps.Count + 1) * 130 + 80, 260);
    }

    private static int ImageSide(SoftDecisionTree tree)
    {
        int side = (int)Math.Round(Math.Sqrt(tree.InputFeatures));
        if (side * side != tree.InputFeatures)
        {
            throw new ArgumentException($"Filters of {tree.InputFeatures} values are not square images.", nameof(tree));
        }
        return side;
    }

    private static double[][] Canvas(int rows, int columns) =>
        Enumerable.Range(0, rows).Select(_ => new double[columns]).ToArray();

    /// <summary>Copies a flattened side×side image into the canvas, scaled to [−1, 1] by its largest |value|.</summary>
    private static void Paste(double[][] canvas, double[] image, int side, int top, int left)
    {
        double scale = image.Max(Math.Abs);
        scale = scale > 0 ? scale : 1;
        for (int r = 0; r < side; r++)
        {
            for (int c = 0; c < side; c++)
            {
                canvas[top + r][left + c] = image[r * side + c] / scale;
            }
        }
    }

    private static double[][] Rows(Tensor matrix)
    {
        using var m = matrix.detach().to_type(ScalarType.Float64).cpu().contiguous();
        long columns = m.shape[1];
        var flat = m.data<double>().ToArray();
        return Enumerable.Range(0, (int)m.shape[0]).Select(r => flat.AsSpan((int)(r * columns), (int)columns).ToArray()).ToArray();
    }

    /// <summary>The canvas as a red–blue heatmap fixed to [−1, 1] (0 is white) with text labels on top; row 0 at the top.</summary>
    private static GenericChart Mosaic(double[][] canvas, List<(double X, double Y, string Text)> labels, string title, int width, int height)
    {
        var heatmap = CSharpChart.Heatmap<double, int, int, string>(zData: canvas, ColorScale: StyleParam.Colorscale.RdBu, ReverseYAxis: true);
        heatmap = GenericChart.mapTrace(FSharpFunc<Trace, Trace>.FromConverter(trace =>
        {
            trace.SetProperty("zmin", -1.0);
            trace.SetProperty("zmax", 1.0);
            return trace;
        }), heatmap);
        var text = CSharpChart.Scatter<double, double, string>(
            x: labels.Select(l => l.X), y: labels.Select(l => l.Y), mode: StyleParam.Mode.Text,
            MultiText: labels.Select(l => l.Text).ToArray(), ShowLegend: false);
        var chart = CSharpChart.Combine([heatmap, text]);
        return Styled(chart, title, "", "", width, height);
    }

    private static GenericChart Styled(GenericChart chart, string title, string xTitle, string yTitle, int width, int height)
    {
        chart = Chart.withTitle(title, null).Invoke(chart);
        chart = CSharpExtensions.WithXAxisStyle<double, double, string>(chart, TitleText: xTitle, ShowGrid: false);
        chart = CSharpExtensions.WithYAxisStyle<double, double, string>(chart, TitleText: yTitle, ShowGrid: false);
        return CSharpExtensions.WithSize(chart, width, height);
    }
}
