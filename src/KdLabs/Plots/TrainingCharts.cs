using KdLabs.Training;
using Plotly.NET;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace KdLabs.Plots;

/// <summary>Charts of training runs.</summary>
public static class TrainingCharts
{
    /// <summary>Test accuracy (%) per epoch, one line per run.</summary>
    public static GenericChart TestAccuracy(IEnumerable<TrainingHistory> runs, string title = "Test accuracy per epoch", string axis = "Test accuracy (%)") =>
        CSharpChart.Combine(runs.Select(r => CSharpChart.Line<int, double, string>(
                x: r.Epochs.Select(e => e.Epoch), y: r.Epochs.Select(e => Math.Round(100 * e.TestAccuracy, 3)), Name: r.RunName, ShowMarkers: true)))
            .Titled(title, "Epoch", axis);

    /// <summary>Mean training loss per epoch, one line per run.</summary>
    public static GenericChart TrainLoss(IEnumerable<TrainingHistory> runs, string title = "Training loss per epoch") =>
        CSharpChart.Combine(runs.Select(r => CSharpChart.Line<int, double, string>(
                x: r.Epochs.Select(e => e.Epoch), y: r.Epochs.Select(e => e.TrainLoss), Name: r.RunName, ShowMarkers: true)))
            .Titled(title, "Epoch", "Loss (objective's units)");
}
