using System.Text.RegularExpressions;
using KdLabs.Notebooks.Execution;
using KdLabs.Notebooks.Rendering;

namespace KdLabs.Notebooks.Tests;

public class HtmlTests
{
    [Fact]
    public async Task PageEmbedsPlotlyOnceAndReferencesNothingRemote()
    {
        using var dir = new TempDirectory();
        var (result, _) = await TestNotebooks.RunCells(dir,
            "md:# Charts\n\nSome *text* with `code` and $x^2$.",
            "#r \"nuget: Plotly.NET.CSharp\"\nusing Plotly.NET.CSharp;\nvar c = Chart.Line<int, int, string>(x: new[] { 1, 2, 3 }, y: new[] { 1, 4, 9 });\nc",
            "Chart.Column<int, string, string>(values: new[] { 3, 1 }, Keys: new[] { \"a\", \"b\" })");

        Assert.True(result.Succeeded, result.Error?.Message);
        var html = File.ReadAllText(result.HtmlPath);
        Assert.Single(Regex.Matches(html, "data-kdlabs-library=\"plotly.js\""));
        var body = html[html.IndexOf("</head>", StringComparison.Ordinal)..];
        Assert.Equal(2, Regex.Matches(body, "Plotly.newPlot").Count);
        Assert.True(html.IndexOf("data-kdlabs-library", StringComparison.Ordinal) < html.IndexOf("</head>", StringComparison.Ordinal));
        Assert.Empty(Regex.Matches(html, "<(script|link|img|iframe)\\b[^>]*(src|href)\\s*=\\s*\"(https?:)?//", RegexOptions.IgnoreCase));
        Assert.Contains("Content-Security-Policy", html);
        Assert.Contains("<h1 id=\"charts\">Charts</h1>", html);
        Assert.Contains("<em>text</em>", html);
        Assert.Contains("<code>code</code>", html);
        Assert.Contains("status-succeeded", html);
    }

    [Fact]
    public void MarkdownRendersListsTablesFencesLinksAndPassesMathThrough()
    {
        var html = MarkdownRenderer.ToHtml("## Steps\n\n1. one\n2. **two**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```csharp\nvar x = 1;\n```\n\n[docs](other.html) and $$\\frac{1}{T}$$");

        Assert.Contains("<ol>", html);
        Assert.Contains("<strong>two</strong>", html);
        Assert.Contains("<table>", html);
        Assert.Contains("<code class=\"language-csharp\">var x = 1;", html);
        Assert.Contains("<a href=\"other.html\">docs</a>", html);
        Assert.Contains("\\frac{1}{T}", html);
    }

    [Fact]
    public async Task FailedRunPageShowsStatusAndError()
    {
        using var dir = new TempDirectory();
        var (result, _) = await TestNotebooks.RunCells(dir, "throw new Exception(\"kaput\");");

        var html = File.ReadAllText(result.HtmlPath);
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Contains("status-failed", html);
        Assert.Contains("kaput", html);
        Assert.Contains("class=\"error\"", html);
    }
}
