using KdLabs.Experiments;
using KdLabs.Training;

namespace KdLabs.Tests;

/// <summary>The chest X-ray report's labels and formatting, on hand-made results (no training).</summary>
public class ChestXrayReportTests
{
    private static ChestXrayModelResult Row(string variant, int seed, double accuracy, double auc) =>
        new(variant, variant, seed, 1000, 4096, accuracy, 0.9, 0.8, auc, [[40, 10], [5, 45]], accuracy, 1, 0.5, 10, 1, [0, 1], [0, 1]);

    private static ChestXrayResult Result(bool validation, int[] seeds, string device = "CPU")
    {
        var options = new ChestXrayOptions { Validation = validation, Lab = new() { Seeds = seeds } };
        var variants = options.Variants();
        var rows = new List<ChestXrayModelResult> { Row("teacher", seeds[0], 0.9, 0.95) };
        rows.AddRange(seeds.SelectMany(s => variants.Select(v => Row(v.Name, s, 0.8 + 0.01 * s, 0.9 + 0.001 * s))));
        // What ChestXrayLab.Summarize gives: one seed has no standard deviation (NaN).
        double std = seeds.Length > 1 ? 0.01 : double.NaN;
        var summaries = variants.Select(v => new ChestXraySeedSummary(v.Name, seeds.Length, 0.81, std, 0.9, 0.8, 0.901, std, 0, std, 0, std)).ToList();
        return new ChestXrayResult(options, true, "/data", "summary", "machine", 1, "sha", rows, summaries, [new SoftTargetRow(1, 0.1, 0.2)],
            [new TrainingHistory("teacher (ResNet-18)")], new LatencyComparison(32, 10, 1, double.NaN, double.NaN, device), new ImageLoadTiming(1, true, 0.1, 0));
    }

    [Fact]
    public void AValidationRunsTablesAndTextSayValidationNotTest()
    {
        var result = Result(validation: true, [1, 2]);
        Assert.Equal("validation", result.EvaluationName);
        Assert.Contains("Validation acc.", ChestXrayReport.HeaderFor(result));
        Assert.Contains("Validation acc. mean ± std", ChestXrayReport.SeedHeaderFor(result));
        string md = ChestXrayReport.Markdown(result);
        Assert.Contains("validation set after the last epoch", md);
        Assert.DoesNotContain("test set", md);
        Assert.DoesNotContain("Test acc.", md);

        string dir = TestData.TempDirectory();
        var (_, _, htmlPath) = ChestXrayReport.Write(result, dir);
        string html = File.ReadAllText(htmlPath);
        Assert.Contains("All numbers on the validation set after the last epoch", html);
        Assert.DoesNotContain("All numbers on the test set", html);
        Assert.Contains("Student validation accuracy per seed", html);
        Assert.Contains("teacher: test set; students: validation set", html);

        // A test-set run keeps its labels.
        var test = Result(validation: false, [1, 2]);
        Assert.Equal(ChestXrayReport.Header, ChestXrayReport.HeaderFor(test));
        Assert.Contains("Test acc.", ChestXrayReport.HeaderFor(test));
        Assert.Contains("test set after the last epoch", ChestXrayReport.Markdown(test));
    }

    [Fact]
    public void OneSeedsStandardDeviationsReadNotApplicableNotNaN()
    {
        var cells = ChestXrayReport.SeedCells(Result(validation: false, [1])).ToList();
        Assert.All(cells.SelectMany(c => c), c => Assert.DoesNotContain("NaN", c));
        Assert.Equal("0.901 ± n/a", cells[0][5]);
        Assert.EndsWith("± n/a", cells[1][7]);
    }

    [Theory]
    [InlineData("CPU")]
    [InlineData("cuda:0")]
    public void LatencyIsLabelledWithTheDeviceItWasTimedOn(string device)
    {
        var result = Result(validation: false, [1], device);
        var (_, _, htmlPath) = ChestXrayReport.Write(result, TestData.TempDirectory());
        string html = File.ReadAllText(htmlPath);
        Assert.Contains($"Latency on {device}, batch 1 (median)", html);
        Assert.DoesNotContain(device == "CPU" ? "cuda" : "CPU latency", html);
    }
}
