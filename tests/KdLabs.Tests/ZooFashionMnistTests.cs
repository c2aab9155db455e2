using System.Text.Json;
using KdLabs.Experiments;

namespace KdLabs.Tests;

/// <summary>The zoo is not MNIST-only: the same lab, methods and report on Fashion-MNIST.</summary>
public class ZooFashionMnistTests
{
    [Fact]
    public void TheZooRunsOnFashionMnistWithItsOwnTeacherAndNamesTheDataSet()
    {
        _ = TestData.FashionMnistDirectory;
        string outDir = TestData.TempDirectory();
        var (code, output) = CliRunner.Run("zoo", "fashion-mnist", "--smoke", "--methods", "none,kd,logit-std", "--threads", "1", "--out", outDir);
        Assert.True(code == 0, output);
        Assert.Contains("Method zoo on Fashion-MNIST", output);
        Assert.Contains("data: Fashion-MNIST", output);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        Assert.Equal("fashion-mnist", json.RootElement.GetProperty("Options").GetProperty("Dataset").GetString());
        Assert.Contains("Method zoo on Fashion-MNIST", File.ReadAllText(Path.Combine(outDir, "results.md")));
        Assert.Contains("zoo on Fashion-MNIST", File.ReadAllText(Path.Combine(outDir, "report.html")));
    }

    [Fact]
    public void ADataSetTheCnnsCannotTakeIsRefusedByName()
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => new ZooOptions { Dataset = "chest-xray" }.Validate());
        Assert.Contains("1×28×28", e.Message);
        Assert.Contains("fashion-mnist", e.Message);
        e = Assert.ThrowsAny<ArgumentException>(() => new ZooOptions { Dataset = "cifar10" }.Validate());
        Assert.Contains("mnist, fashion-mnist, chest-xray", e.Message);
    }
}
