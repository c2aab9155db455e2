using System.Text.Json;
using KdLabs.Experiments;
using KdLabs.Training;

namespace KdLabs.Tests;

[Collection(TorchRngCollection.Name)]
public class MnistLabTests
{
    private static MnistDistillationResult Smoke(string outDir)
    {
        _ = TestData.MnistDirectory;
        using var lab = new MnistDistillationLab(new MnistDistillationOptions { Lab = new() { Smoke = true, Seeds = [5], OutputDirectory = outDir } }, TrainingProgress.Silent, _ => { });
        return lab.Run();
    }

    [Fact]
    public void TwoSmokeRunsWithOneSeedGiveIdenticalAccuracy()
    {
        var a = Smoke(TestData.TempDirectory());
        var b = Smoke(TestData.TempDirectory());
        Assert.Equal(a.Rows.Select(r => r.TestAccuracy), b.Rows.Select(r => r.TestAccuracy));
        Assert.Equal(a.Histories.Select(h => h.Last.TrainLoss), b.Histories.Select(h => h.Last.TrainLoss));
        Assert.Equal(3, a.Rows.Count);
        Assert.True(a.Rows[0].Parameters > a.Rows[1].Parameters);
        Assert.Equal(1_199_882, a.Rows[0].Parameters);
        Assert.Equal(300_426, a.Rows[1].Parameters);
    }

    [Fact]
    public void CliDistillSmokeRunsEndToEndAndWritesResults()
    {
        string outDir = TestData.TempDirectory();
        var (code, output) = CliRunner.Run("distill", "mnist", "--smoke", "--seeds", "1,2", "--out", outDir);
        Assert.True(code == 0, output);
        // The CLI's defaults are the lesson's preset (α 0.5, T 8 since they were chosen on validation).
        var preset = MnistDistillationOptions.SmallTransferSet;
        Assert.Equal((0.5, 8.0, 1000), (preset.Kd.Alpha, preset.Kd.Temperature, preset.TransferSize));
        Assert.Contains($"student (KD α={preset.Kd.Alpha}, T={preset.Kd.Temperature}) seed 2", output);
        Assert.Contains("(2 seeds)", output);
        Assert.Contains("teacher", output);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        Assert.Equal(5, json.RootElement.GetProperty("Models").GetArrayLength());
        Assert.Equal(2, json.RootElement.GetProperty("Seeds").GetArrayLength());
        string html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.Contains("Plotly.newPlot", html);
        Assert.DoesNotContain("src=\"http", html);
        Assert.DoesNotMatch("<(script|link)[^>]+(src|href)=\"(https?:)?//", html);
    }

    [Theory]
    [InlineData("--alpha", "1.5", "alpha")]
    [InlineData("--temperature", "0", "temperature")]
    [InlineData("--teacher", "resnet", "resnet")]
    public void CliRejectsBadArgumentsWithAClearMessage(string option, string value, string mentioned)
    {
        var (code, output) = CliRunner.Run("distill", "mnist", "--smoke", option, value, "--out", TestData.TempDirectory());
        Assert.NotEqual(0, code);
        Assert.Contains(mentioned, output, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", output); // a message, not a stack trace
    }

    [Fact]
    public void CliReportsAnUnwritableOutputFolder()
    {
        var (code, output) = CliRunner.Run("distill", "mnist", "--smoke", "--out", "/proc/kdlabs-cannot-write-here");
        Assert.Equal(1, code);
        Assert.Contains("not writable", output);
    }

    [Fact]
    public void CliNamesACorruptIdxFile()
    {
        string dir = TestData.TempDirectory();
        foreach (var f in Directory.GetFiles(TestData.MnistDirectory))
        {
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        }
        string bad = Path.Combine(dir, "train-images-idx3-ubyte");
        using (var s = File.Open(bad, FileMode.Open))
        {
            s.SetLength(s.Length - 784);
        }
        var (code, output) = CliRunner.Run("distill", "mnist", "--smoke", "--data", dir, "--out", TestData.TempDirectory());
        Assert.Equal(1, code);
        Assert.Contains(bad, output);
        Assert.Contains("truncated", output);
    }
}
