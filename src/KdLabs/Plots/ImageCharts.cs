using KdLabs.Data;
using Plotly.NET;
using static TorchSharp.torch;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace KdLabs.Plots;

/// <summary>Shows images from a dataset.</summary>
public static class ImageCharts
{
    /// <summary>
    /// A grey mosaic: one row per class, <paramref name="perClass"/> images each (the first of that
    /// class in dataset order), un-normalised back to [0, 1] with <paramref name="normalization"/>.
    /// </summary>
    public static GenericChart SampleGrid(InMemoryDataset data, ImageNormalization normalization, int perClass, string title)
    {
        var labels = data.LabelArray();
        long size = data.Features.shape[2];
        var rows = new List<double[]>();
        for (int c = data.NumClasses - 1; c >= 0; c--)
        {
            // Plotly draws row 0 at the bottom: the last class goes in first so the first class is on top.
            var picks = Enumerable.Range(0, labels.Length).Where(i => labels[i] == c).Take(perClass).Select(i => (long)i).ToArray();
            using var scope = NewDisposeScope();
            using var idx = tensor(picks, device: data.Device);
            var grey = normalization.ToGrey(data.Features.index_select(0, idx)).to_type(ScalarType.Float64); // k×H×W
            var strip = grey.permute(1, 0, 2).reshape(size, picks.Length * size).flip(0).cpu().contiguous();
            var values = strip.data<double>().ToArray();
            for (long r = 0; r < size; r++)
            {
                var row = new double[perClass * size];
                Array.Copy(values, r * picks.Length * size, row, 0, picks.Length * size);
                rows.Add(row);
            }
        }
        var chart = CSharpChart.Heatmap<double, int, int, string>(zData: rows.Select(r => r.AsEnumerable()), ColorScale: StyleParam.Colorscale.Greys, ShowScale: false, ReverseScale: true);
        string classes = string.Join(" (top), ", data.ClassNames) + " (bottom)";
        return chart.Titled($"{title}: {classes}", "", "", 160 * perClass, 200 * data.NumClasses);
    }
}
