using Plotly.NET;
using static TorchSharp.torch;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace KdLabs.Plots;

/// <summary>Charts of feature maps, e.g. the attention maps attention transfer compares.</summary>
public static class FeatureCharts
{
    /// <summary>
    /// Several H × W maps side by side on one colour scale, each rescaled to [0, 1] so their shapes compare (attention
    /// maps are L2-normalised, so only the shape carries information); named left to right in the title.
    /// </summary>
    public static GenericChart Maps(IReadOnlyList<(string Name, Tensor Map)> maps, string title)
    {
        if (maps.Count == 0)
        {
            throw new ArgumentException("No maps to show.", nameof(maps));
        }
        using var scope = NewDisposeScope();
        long h = maps.Max(m => m.Map.shape[0]);
        var columns = new List<double[,]>();
        foreach (var (_, map) in maps)
        {
            if (map.dim() != 2)
            {
                throw new ArgumentException($"Maps must be H × W, got [{string.Join(", ", map.shape)}].", nameof(maps));
            }
            var m = map.detach().to_type(ScalarType.Float64).cpu();
            m = (m - m.min()) / (m.max() - m.min() + 1e-12);
            var values = m.data<double>().ToArray();
            long w = map.shape[1];
            var block = new double[h, w + 2];
            for (long r = 0; r < h; r++)
            {
                for (long c = 0; c < w + 2; c++)
                {
                    block[r, c] = r < map.shape[0] && c < w ? values[r * w + c] : double.NaN;
                }
            }
            columns.Add(block);
        }
        // Plotly draws row 0 at the bottom: flip so the maps read like images.
        var rows = Enumerable.Range(0, (int)h).Reverse().Select(r => columns.SelectMany(b => Enumerable.Range(0, b.GetLength(1)).Select(c => b[r, c])).ToArray());
        var chart = CSharpChart.Heatmap<double, int, int, string>(zData: rows.Select(r => r.AsEnumerable()), ColorScale: StyleParam.Colorscale.Viridis, ShowScale: false);
        return chart.Titled($"{title}: {string.Join(" | ", maps.Select(m => m.Name))}", "", "", 220 * maps.Count + 80, 300);
    }
}
