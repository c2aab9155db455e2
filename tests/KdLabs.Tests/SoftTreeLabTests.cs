using System.Text.Json;
using KdLabs.Course;
using KdLabs.Experiments;
using KdLabs.Models;

namespace KdLabs.Tests;

/// <summary>The soft-tree lab and <c>kdlabs distill mnist --student sdt</c> in smoke mode, and lesson 04's exercise checks.</summary>
[Collection(TorchRngCollection.Name)]
public class SoftTreeLabTests
{
    [Fact]
    public void CliSoftTreeSmokeTrainsBothTreesPerSeedAndWritesResults()
    {
        string outDir = TestData.TempDirectory();
        _ = TestData.MnistDirectory;
        var (code, output) = CliRunner.Run("distill", "mnist", "--student", "sdt", "--depth", "4", "--smoke", "--seeds", "1,2", "--threads", "1", "--out", outDir);
        Assert.True(code == 0, output);
        Assert.Contains("soft tree d=4, labels", output);
        Assert.Contains("soft tree d=4, distilled", output);
        Assert.Contains("gain of distillation", output);
        Assert.Contains("(2 seeds)", output);
        Assert.Contains("94.45 %", output);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        var runs = json.RootElement.GetProperty("Runs").EnumerateArray().ToList();
        Assert.Equal(4, runs.Count);
        Assert.All(runs, r => Assert.Equal(11_936, r.GetProperty("Parameters").GetInt64()));
        Assert.Equal("test", json.RootElement.GetProperty("EvaluationSet").GetString());
        string html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.Contains("Plotly.newPlot", html);
        Assert.Contains("Inner-node filters", html);
        Assert.Contains("Path of one digit", html);
        Assert.DoesNotMatch("<(script|link)[^>]+(src|href)=\"(https?:)?//", html);
    }

    [Fact]
    public void LabHoldsOutAValidationSplitAndStartsEveryTreeOfASeedFromTheSameWeights()
    {
        _ = TestData.MnistDirectory;
        using var lab = new SoftTreeLab(new SoftTreeLabOptions { Validation = 300, Lab = new() { Smoke = true, Seeds = [4], OutputDirectory = TestData.TempDirectory() } },
            Training.TrainingProgress.Silent, _ => { });
        lab.LoadData();
        Assert.Equal((1700, 300, "validation"), (lab.Train.Count, lab.Evaluation.Count, lab.EvaluationName));
        using var a = lab.NewTree(4);
        using var b = lab.NewTree(4);
        Assert.True(a.Filters.equal(b.Filters).all().item<bool>() && a.LeafLogits.equal(b.LeafLogits).all().item<bool>());
        Assert.Equal(4, lab.Options.Tree.Depth);
        Assert.Equal(1, lab.Options.Tree.Epochs);
    }

    [Fact]
    public void WithJitterTheTeacherLabelsEachShiftedBatchLiveAndBothTreesTrainOnShiftedImages()
    {
        _ = TestData.MnistDirectory;
        using var lab = new SoftTreeLab(new SoftTreeLabOptions { Tree = new Training.SoftTreeOptions { Jitter = 2 }, Lab = new() { Smoke = true, Seeds = [1], OutputDirectory = TestData.TempDirectory() } },
            Training.TrainingProgress.Silent, _ => { });
        Assert.IsType<Training.LiveTeacher>(lab.TeacherSignal());
        Assert.Equal("random shift ±2px", lab.Options.Tree.ApplyTo().Augmentation!.Name);
        using var plain = new SoftTreeLab(new SoftTreeLabOptions { Lab = new() { Smoke = true, Seeds = [1], OutputDirectory = TestData.TempDirectory() } }, Training.TrainingProgress.Silent, _ => { });
        Assert.IsType<Training.TeacherLogitCache>(plain.TeacherSignal());
        Assert.Null(plain.Options.Tree.ApplyTo().Augmentation);
    }

    [Fact]
    public void OptionsRejectAJitterOutsideZeroToEightPixels()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SoftTreeLabOptions { Tree = new Training.SoftTreeOptions { Jitter = -1 } }.Validate());
        Assert.Equal("Jitter", e.ParamName);
        Assert.Contains("between 0 and 8", e.Message);
    }

    [Fact]
    public void OptionsRejectAValidationSplitThatLeavesNothingToTrainOn()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SoftTreeLabOptions { TrainLimit = 100, Validation = 100 }.Validate());
        Assert.Contains("validation", e.Message);
        Assert.Throws<ArgumentException>(() => new SoftTreeLabOptions { TrainHardLabel = false, TrainDistilled = false }.Validate());
    }

    [Fact]
    public void Lesson04ParameterCountAcceptsTheCountAndNamesMissingPieces()
    {
        using var tree = new SoftDecisionTree(8);
        Assert.True(Exercises.Lesson04.ParameterCount(tree, 202_736).Correct);
        Assert.Equal(202_736, Evaluation.ModelStats.ParameterCount(tree));
        Assert.Contains("β", Exercises.Lesson04.ParameterCount(tree, 202_735).Message);
        Assert.Contains("bias", Exercises.Lesson04.ParameterCount(tree, 255 * 784 + 2560 + 1).Message);
        Assert.Contains("not answered", Exercises.Lesson04.ParameterCount(tree, null).Message);
    }

    [Fact]
    public void Lesson04PathProbabilityMultipliesTheBranchesTaken()
    {
        SoftTreeStep[] steps = [new(0, 0, 1, 0.9), new(2, 1, 0.9, 0.2), new(5, 2, 0.72, 0.5)];
        double right = 0.9 * 0.8 * 0.5;
        Assert.True(Exercises.Lesson04.PathProbability(steps, right).Correct);
        Assert.Contains("1 − p(right)", Exercises.Lesson04.PathProbability(steps, 0.9 * 0.2 * 0.5).Message);
        Assert.Contains("last inner node", Exercises.Lesson04.PathProbability(steps, 0.72).Message);
        Assert.False(Exercises.Lesson04.PathProbability(steps, null).Correct);
        Assert.True(Exercises.Lesson04.Penalty('b').Correct);
        Assert.False(Exercises.Lesson04.Penalty('?').Correct);
    }
}
