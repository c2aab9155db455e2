using System.Text.Json;
using System.Text.RegularExpressions;
using KdLabs.Experiments;
using KdLabs.Training;

namespace KdLabs.Tests;

/// <summary>
/// A validation run of the MNIST lab says what it measures: its labels name the validation split, the teacher's row and the
/// agreement column are marked when the teacher trained on those images, and the teacher's best epoch (a test-set history) is left out.
/// </summary>
[Collection(TorchRngCollection.Name)]
public class MnistValidationLabelsTests
{
    [Fact]
    public void CliValidationSmokeWhoseTeacherSawTheValidationImagesFlagsItAndNeverSaysTest()
    {
        string outDir = TestData.TempDirectory();
        _ = TestData.MnistDirectory;
        // The CLI's preset teacher takes 20,000 images, all 2,000 of a smoke run: the last 300 are also the validation images.
        var (code, output) = CliRunner.Run("distill", "mnist", "--smoke", "--validation", "300", "--seeds", "1", "--threads", "1", "--out", outDir);
        Assert.True(code == 0, output);
        string console = Regex.Replace(output, @"\s+", " ");
        Assert.Contains("set TeacherImages to N ≤ 1,700", console);
        Assert.Contains("Rerun with TeacherImages set to N ≤ 1,700", console);
        Assert.Contains("validation set, last epoch", console);
        Assert.Contains("Validation accuracy, mean ± std", console);
        Assert.DoesNotContain("Test acc", console);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        Assert.True(json.RootElement.GetProperty("TeacherSawEvaluationImages").GetBoolean());
        Assert.Equal(300, json.RootElement.GetProperty("TeacherEvaluationOverlap").GetInt32());
        Assert.Equal(2, json.RootElement.GetProperty("Caveats").GetArrayLength());

        string md = File.ReadAllText(Path.Combine(outDir, "results.md"));
        Assert.Contains($"| {MnistDistillationReport.TeacherOnItsTrainingImages} |", md);
        Assert.Contains("| Agreement w/ teacher † |", md);
        Assert.Contains($"| {MnistDistillationReport.TeacherBestEpochOnTestSet} |", md);
        Assert.Contains("| Validation acc. (last) |", md);
        Assert.Contains("Validation accuracy after the last epoch", md);
        Assert.DoesNotContain("Test acc", md);
        Assert.DoesNotContain("test set", ExceptTeacherHistoryNotes(md));

        string html = File.ReadAllText(Path.Combine(outDir, "report.html"));
        Assert.Contains("Validation acc. (last)", html);
        Assert.Contains("Confusion matrices (validation set)", html);
        Assert.Contains("Over student seeds (validation accuracy", html);
        Assert.DoesNotContain("Test acc", html);
        Assert.DoesNotContain("(test set)", html);
    }

    [Fact]
    public void AValidationLabWhoseTeacherStopsBeforeTheValidationImagesIsNotFlaggedAndOneThatDoesNotIs()
    {
        _ = TestData.MnistDirectory;
        var logs = new List<string>();
        var validation = new MnistDistillationOptions { Validation = 300, TeacherImages = 1000, Lab = new() { Smoke = true, OutputDirectory = TestData.TempDirectory() } };
        using (var clean = new MnistDistillationLab(validation, TrainingProgress.Silent, logs.Add))
        {
            clean.LoadData();
            Assert.Equal((0, false), (clean.TeacherEvaluationOverlap, clean.TeacherSawEvaluationImages));
        }
        Assert.DoesNotContain(logs, l => l.StartsWith("warning:", StringComparison.Ordinal));

        using (var overlapping = new MnistDistillationLab(validation with { TeacherImages = 1800 }, TrainingProgress.Silent, logs.Add))
        {
            overlapping.LoadData();
            Assert.Equal((100, true), (overlapping.TeacherEvaluationOverlap, overlapping.TeacherSawEvaluationImages));
        }
        Assert.Contains(logs, l => l.StartsWith("warning:", StringComparison.Ordinal) && l.Contains("set TeacherImages to N ≤ 1,700"));

        // On the test set the teacher's training images are never the evaluation images, whatever it trains on.
        using var test = new MnistDistillationLab(validation with { Validation = 0, TeacherImages = null }, TrainingProgress.Silent, _ => { });
        test.LoadData();
        Assert.False(test.TeacherSawEvaluationImages);
    }

    [Fact]
    public void ReportMarksTheTeacherRowAndAgreementOnlyWhenTheTeacherSawTheImages()
    {
        var flagged = Result("validation", overlap: 300);
        var header = MnistDistillationReport.HeaderFor(flagged);
        var cells = MnistDistillationReport.Cells(flagged).ToList();
        Assert.Equal(("Validation acc. (last)", "Agreement w/ teacher †"), (header[3], header[6]));
        Assert.Equal(MnistDistillationReport.TeacherOnItsTrainingImages, cells[0][0]);
        Assert.Equal("student (no KD)", cells[1][0]);
        Assert.Contains(MnistDistillationReport.Caveats(flagged), c => c.StartsWith("† ", StringComparison.Ordinal) && c.Contains("N ≤ 1,700"));

        var clean = Result("validation", overlap: 0);
        Assert.Equal(("Validation acc. (last)", "Agreement w/ teacher"), (MnistDistillationReport.HeaderFor(clean)[3], MnistDistillationReport.HeaderFor(clean)[6]));
        Assert.Equal("teacher", MnistDistillationReport.Cells(clean).First()[0]);
        Assert.DoesNotContain(MnistDistillationReport.Caveats(clean), c => c.StartsWith("† ", StringComparison.Ordinal));
    }

    [Fact]
    public void TeachersBestEpochIsNotShownBesideValidationAccuraciesButIsOnTheTestSet()
    {
        var validation = MnistDistillationReport.Cells(Result("validation", overlap: 0)).ToList();
        Assert.Equal(MnistDistillationReport.TeacherBestEpochOnTestSet, validation[0][5]);
        Assert.Equal("71.00 % (ep 2)", validation[1][5]);

        var test = Result("test", overlap: 0);
        var cells = MnistDistillationReport.Cells(test).ToList();
        Assert.Equal("99.00 % (ep 3)", cells[0][5]);
        Assert.Equal(MnistDistillationReport.Cells(test.Rows).Select(r => r.ToArray()), cells.Select(r => r.ToArray()));
        Assert.Equal(MnistDistillationReport.Header, MnistDistillationReport.HeaderFor(test));
        Assert.Empty(MnistDistillationReport.Caveats(test));
    }

    private static MnistDistillationResult Result(string evaluationName, int overlap) =>
        new(new MnistDistillationOptions(), "machine", 1, "sha",
            [new ModelResult("teacher", 10, 1024, 0.98, 6, 0.99, 3, 1.0, 1, 1, 1, 1), new ModelResult("student (no KD)", 5, 1024, 0.7, 90, 0.71, 2, 0.72, 1, 1, 1, 1)],
            [], [], [], [], evaluationName, 2000, 1000, overlap);

    // The lines that say the teacher's history is on the test set are the only ones that may name it.
    private static string ExceptTeacherHistoryNotes(string text) =>
        text.Replace(MnistDistillationReport.TeacherBestEpochOnTestSet, "").Replace("The teacher's training history was measured on the test set", "");
}
