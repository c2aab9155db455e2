using Plotly.NET;
using CSharpChart = Plotly.NET.CSharp;

namespace KdLabs.Plots;

/// <summary>Small helpers for titles and axis labels that Plotly.NET.CSharp does not offer directly.</summary>
public static class ChartStyle
{
    /// <summary>Sets the chart title, axis titles and size.</summary>
    public static GenericChart Titled(this GenericChart chart, string title, string xTitle, string yTitle, int width = 700, int height = 450)
    {
        chart = Chart.withTitle(title, null).Invoke(chart);
        chart = CSharpChart.GenericChartExtensions.WithXAxisStyle<double, double, string>(chart, TitleText: xTitle);
        chart = CSharpChart.GenericChartExtensions.WithYAxisStyle<double, double, string>(chart, TitleText: yTitle);
        return CSharpChart.GenericChartExtensions.WithSize(chart, width, height);
    }
}
