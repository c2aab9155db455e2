using System.Text.Json;
using KdLabs.Evaluation;
using KdLabs.Experiments;
using KdLabs.Losses;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Tests;

[Collection(TorchRngCollection.Name)]
public class OmittedClassTests
{
    [Fact]
    public void BiasFitPicksTheSmallestShiftWithTheFewestHeldOutErrors()
    {
        // Shift on class 2: 0 → 2 errors; 0.5 → row 2 ties class 1 (arg-max takes the first), 1 error; 0.75 → none.
        using var logits = tensor(new float[] { 2, 1, 0, 0, 1, 0.5f, 0, 3, 2.9f }, 3, 3);
        long[] labels = [0, 2, 2];
        Assert.Equal(0.75, ClassLogitBias.Fit(logits, labels, 2));
        Assert.Equal([0L, 1, 1], ClassLogitBias.Predict(logits, 2, 0));
        Assert.Equal([0L, 2, 2], ClassLogitBias.Predict(logits, 2, 0.75));
        Assert.Equal([0L, 2, 2], ClassLogitBias.Predict(logits, 2, 1.5));
        Assert.Equal([2L, 2, 2], ClassLogitBias.Predict(logits, 2, 2.5));
    }

    [Fact]
    public void LogSoftmaxTargetsWithoutLogTargetGiveNaNHereAndZeroUnderTheOlderRule()
    {
        using var teacher = tensor(new float[] { 3, 1, 0, 0, 2, 1 }, 2, 3);
        using var student = tensor(new float[] { 1, 1, 1, 0, 1, 0 }, 2, 3);
        using var asWritten = LogTargetMistake.AsWritten(teacher, student, 2);
        using var older = LogTargetMistake.AsOlderLibtorchComputedIt(teacher, student, 2);
        using var correct = KlDivergence.FromLogits(teacher, student, 2);
        // Every log-probability is negative, so t·log t is log of a negative number in this libtorch, and masked to 0 in older ones.
        Assert.True(float.IsNaN(asWritten.item<float>()));
        Assert.Equal(0f, older.item<float>());
        Assert.True(correct.item<float>() > 0.01f);
    }

    [Fact]
    public void CliOmitClassSmokeLeavesTheClassOutFitsTheBiasOnHeldOutImagesAndCharts()
    {
        string outDir = TestData.TempDirectory();
        _ = TestData.MnistDirectory;
        var (code, output) = CliRunner.Run("distill", "mnist", "--smoke", "--omit-class", "3", "--out", outDir);
        Assert.True(code == 0, output);
        Assert.Contains("Omitted class 3", output);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        var omitted = json.RootElement.GetProperty("Omitted");
        Assert.Equal(2, omitted.GetArrayLength());
        foreach (var row in omitted.EnumerateArray())
        {
            Assert.Equal(3, row.GetProperty("Class").GetInt32());
            Assert.Contains(row.GetProperty("Shift").GetDouble(), ClassLogitBias.Grid);
            Assert.True(row.GetProperty("ClassCount").GetInt32() > 0);
            Assert.InRange(row.GetProperty("ClassErrorsAfterShift").GetInt32(), 0, row.GetProperty("ClassCount").GetInt32());
        }
        Assert.Contains("never seen", File.ReadAllText(Path.Combine(outDir, "report.html")));
    }

    [Fact]
    public void TransferSetHasNoOmittedClassAndTheBiasFitImagesAreNotInIt()
    {
        _ = TestData.MnistDirectory;
        using var lab = new MnistDistillationLab(new MnistDistillationOptions { OmitClass = 7, TransferSize = 5000, Validation = 300, Lab = new() { Smoke = true, OutputDirectory = TestData.TempDirectory(), Seeds = [1] } },
            TrainingProgress.Silent, _ => { });
        lab.LoadData();
        Assert.DoesNotContain(7L, lab.Transfer.LabelArray());
        Assert.Contains(7L, lab.BiasFit!.LabelArray());
        // Smoke: 2,000 training images; the last 300 validate, the 500 before them fit the bias, the transfer set is the first 1,000 (the smoke cap) of the 1,200 before them.
        Assert.Equal(300, lab.Evaluation.Count);
        Assert.Equal(500, lab.BiasFit.Count);
        Assert.Equal(lab.Train.LabelArray().Take(1000).Count(l => l != 7), lab.Transfer.Count);
        Assert.Equal(2000, lab.Train.Count);
    }
}

public class SeedStatisticsIntervalTests
{
    [Fact]
    public void NinetyFivePercentIntervalUsesStudentsTWithNMinusOneDegreesOfFreedom()
    {
        // Values 1, 2, 3: mean 2, std 1, n 3, t(0.975, 2) = 4.303, half-width 4.303 / √3 = 2.4843.
        var (low, high) = SeedStatistics.Of([1, 2, 3]).ConfidenceInterval95();
        Assert.Equal(2 - 2.4843, low, 3);
        Assert.Equal(2 + 2.4843, high, 3);
        Assert.True(double.IsNaN(SeedStatistics.Of([1.0]).ConfidenceInterval95().Low));
    }
}
