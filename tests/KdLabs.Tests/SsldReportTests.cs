using KdLabs.Experiments;

namespace KdLabs.Tests;

/// <summary>The SSLD report's labels, on a hand-made result.</summary>
public class SsldReportTests
{
    [Fact]
    public void AblationBarsNameTheFirstSeedTheyRanOn()
    {
        var options = new SsldOptions { Lab = new() { Seeds = [7, 8] } };
        var result = new SsldResult(options, "test machine", 1, 0.95, 100, new long[10], 0.9,
        [
            new SsldRow("main", "labels only", 7, 10, 1, 0.90, 0.90, 1),
            new SsldRow("main", "labels only", 8, 10, 1, 0.91, 0.91, 1),
            new SsldRow("ablation", "SSLD, KL instead of JS", 7, 10, 1, 0.92, 0.92, 1),
        ]);
        string html = SsldReport.Html(result).ToHtml();
        Assert.Contains("SSLD, KL instead of JS (seed 7)", html);
        Assert.DoesNotContain("(seed 1)", html);
    }
}
