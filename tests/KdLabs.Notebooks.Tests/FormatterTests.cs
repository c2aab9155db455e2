using System.Text.RegularExpressions;
using KdLabs.Notebooks.Format;
using KdLabs.Notebooks.Formatting;
using Microsoft.Data.Analysis;
using Plotly.NET.CSharp;
using static TorchSharp.torch;

namespace KdLabs.Notebooks.Tests;

public class FormatterTests
{
    private readonly FormatterRegistry _registry = FormatterRegistry.CreateDefault();

    private MimeBundle Format(object? value) => _registry.Format(value, new FormatContext());

    public sealed record Student(string Name, double Accuracy);

    [Fact]
    public void StringsAndPlainValuesAreText()
    {
        var s = Format("hello <b>");
        Assert.Equal("hello <b>", s.GetText("text/plain"));
        Assert.False(s.Contains("text/html"));

        Assert.Equal("3.5", Format(3.5).GetText("text/plain"));
        Assert.Equal("<null>", Format(null).GetText("text/plain"));
        Assert.Equal("Student { Name = Ada, Accuracy = 0.9 }", Format(new Student("Ada", 0.9)).GetText("text/plain"));
    }

    [Fact]
    public void TensorShowsShapeDtypeAndAPreview()
    {
        using var t = arange(0, 24, dtype: ScalarType.Float32).reshape(2, 3, 4);

        var bundle = Format(t);

        var text = bundle.GetText("text/plain")!;
        Assert.Contains("shape=[2, 3, 4]", text);
        Assert.Contains("dtype=Float32", text);
        Assert.Contains("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ... (24 values)]", text);
        var html = bundle.GetText("text/html")!;
        Assert.Contains("<code>[2, 3, 4]</code>", html);
        Assert.Contains("Float32", html);

        using var b = tensor(new[] { true, false });
        Assert.Contains("[true, false]", Format(b).GetText("text/plain"));
    }

    [Fact]
    public void PlotlyChartInlinesPlotlyJsOnceAndNeverLinksACdn()
    {
        var chart = Chart.Line<int, int, string>(x: new[] { 1, 2, 3 }, y: new[] { 2, 4, 8 });
        var context = new FormatContext();

        var first = _registry.Format(chart, context).GetText("text/html")!;
        var second = _registry.Format(chart, context).GetText("text/html")!;

        Assert.Contains(Html.LibraryAttribute + "=\"plotly.js\"", first);
        Assert.True(first.Length > 1_000_000, "plotly.js should be inlined in the first chart");
        Assert.Contains("Plotly.newPlot", first);
        Assert.DoesNotContain(Html.LibraryAttribute, second);
        Assert.Contains("Plotly.newPlot", second);
        Assert.DoesNotMatch(new Regex("<script[^>]*src=\"https?:", RegexOptions.IgnoreCase), first);
        Assert.Equal("Plotly chart", _registry.Format(chart, context).GetText("text/plain"));
    }

    [Fact]
    public void DataFrameIsAnHtmlTableOfItsHead()
    {
        var df = new DataFrame(
            new PrimitiveDataFrameColumn<int>("epoch", Enumerable.Range(1, 30)),
            new DoubleDataFrameColumn("loss", Enumerable.Range(1, 30).Select(i => 1.0 / i)));

        var bundle = _registry.Format(df, new FormatContext { MaxRows = 5 });

        var html = bundle.GetText("text/html")!;
        Assert.Contains("<th title=\"Int32\">epoch</th>", html);
        Assert.Contains("<th title=\"Double\">loss</th>", html);
        Assert.Equal(5, Regex.Matches(html, "<tr><th>\\d+</th>").Count);
        Assert.Contains("30 rows, 2 columns (first 5 shown)", html);
        Assert.Contains("<td>0.5</td>", html);
        Assert.Contains("epoch\tloss", bundle.GetText("text/plain"));
    }

    [Fact]
    public void RecordsBecomeATableOfPublicProperties()
    {
        var rows = new[] { new Student("Ada", 0.91), new Student("Linus <3", 0.85) };

        var bundle = Format(rows);

        var html = bundle.GetText("text/html")!;
        Assert.Contains("<th>Name</th><th>Accuracy</th>", html);
        Assert.Contains("<td>Linus &lt;3</td><td>0.85</td>", html);
        Assert.StartsWith("[ Student { Name = Ada", bundle.GetText("text/plain"));

        var numbers = Format(Enumerable.Range(1, 100)).GetText("text/html")!;
        Assert.Contains("<th>value</th>", numbers);
        Assert.Contains("first 20 items shown", numbers);
    }

    [Fact]
    public void RegisteredFormatterWins()
    {
        var registry = FormatterRegistry.CreateDefault();
        registry.Register<Student>((s, _) => new MimeBundle().Set("text/plain", "student " + s.Name));

        Assert.Equal("student Ada", registry.Format(new Student("Ada", 1), new FormatContext()).GetText("text/plain"));
    }
}
