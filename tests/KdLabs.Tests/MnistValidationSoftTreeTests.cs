using KdLabs.Experiments;
using KdLabs.Training;

namespace KdLabs.Tests;

/// <summary>
/// A validation run of the soft-tree lab marks the CNN teacher's row when the teacher (the MNIST lab's, trained on all training
/// images by default) trained on the trees' validation images.
/// </summary>
public class MnistValidationSoftTreeTests
{
    [Fact]
    public void ValidationLabWithTheDefaultTeacherIsFlaggedAndWarns()
    {
        _ = TestData.MnistDirectory;
        var logs = new List<string>();
        using var lab = new SoftTreeLab(new SoftTreeLabOptions { Validation = 300, Lab = new() { Smoke = true, Seeds = [4], OutputDirectory = TestData.TempDirectory() } },
            TrainingProgress.Silent, logs.Add);
        lab.LoadData();
        Assert.Equal((300, true), (lab.TeacherEvaluationOverlap, lab.TeacherSawEvaluationImages));
        Assert.Contains(logs, l => l.StartsWith("warning:", StringComparison.Ordinal) && l.Contains("TeacherImages ≤ 1,700"));
    }

    [Fact]
    public void ValidationLabWhoseTeacherStopsBeforeTheValidationImagesAndATestLabAreNotFlagged()
    {
        _ = TestData.MnistDirectory;
        var logs = new List<string>();
        var options = new SoftTreeLabOptions { Validation = 300, Teacher = new() { TeacherImages = 1000 }, Lab = new() { Smoke = true, Seeds = [4], OutputDirectory = TestData.TempDirectory() } };
        using (var lab = new SoftTreeLab(options, TrainingProgress.Silent, logs.Add))
        {
            lab.LoadData();
            Assert.False(lab.TeacherSawEvaluationImages);
        }
        using (var test = new SoftTreeLab(options with { Validation = 0, Teacher = new() }, TrainingProgress.Silent, logs.Add))
        {
            test.LoadData();
            Assert.False(test.TeacherSawEvaluationImages);
        }
        Assert.DoesNotContain(logs, l => l.StartsWith("warning:", StringComparison.Ordinal));
    }

    [Fact]
    public void SummaryMarksTheTeacherRowOnlyWhenTheTeacherSawTheImages()
    {
        var flagged = Result(overlap: 300);
        Assert.Equal(SoftTreeReport.TeacherOnItsTrainingImages, SoftTreeReport.SummaryCells(flagged).First()[0]);
        Assert.Single(SoftTreeReport.Caveats(flagged));

        var clean = Result(overlap: 0);
        Assert.Equal("CNN teacher", SoftTreeReport.SummaryCells(clean).First()[0]);
        Assert.Empty(SoftTreeReport.Caveats(clean));
    }

    private static SoftTreeLabResult Result(int overlap) =>
        new(new SoftTreeLabOptions { Validation = 300 }, "validation", "machine", 1, "sha", 0.99, 1_199_882,
            [new SoftTreeRun(SoftTreeRun.Distilled, 1, 0.9, 0.89, 0.91, 1, 11_936, 1, 1)], [], overlap);
}
