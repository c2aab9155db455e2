using System.Globalization;
using KdLabs.Experiments;
using KdLabs.Training;

namespace KdLabs.Tests;

/// <summary>The α × T sweep is scored, counted and labelled on the lab's evaluation set, so settings can be chosen on validation.</summary>
[Collection(TorchRngCollection.Name)]
public class MnistSweepTests
{
    [Fact]
    public void AValidationSweepCountsItsErrorsOnTheValidationImages()
    {
        using var lab = new MnistDistillationLab(new MnistDistillationOptions { Validation = 300, Lab = new() { Smoke = true, OutputDirectory = TestData.TempDirectory(), Seeds = [1], DataDirectory = TestData.MnistDirectory } },
            TrainingProgress.Silent, _ => { });
        var cell = Assert.Single(MnistSweep.Run(lab, [0.5], [4]));
        Assert.Equal(300, lab.Evaluation.Count);
        Assert.Equal("validation", cell.EvaluationSet);
        // Errors and correct images add up to the 300 validation images (the old code counted them out of the 1,000 smoke test images).
        Assert.InRange(cell.Accuracy, 0, 0.999);
        Assert.Equal(300, cell.Errors + (int)Math.Round(cell.Accuracy * 300));
    }

    [Fact]
    public void AtAlphaOneTheTemperatureChangesNoBitSoTheRowIsTrainedOnce()
    {
        using var lab = new MnistDistillationLab(new MnistDistillationOptions { Validation = 300, Lab = new() { Smoke = true, OutputDirectory = TestData.TempDirectory(), Seeds = [1], DataDirectory = TestData.MnistDirectory } },
            TrainingProgress.Silent, _ => { });
        // What the sweep relies on: trained at T = 1 and at T = 8, the α = 1 student has the same weights and history.
        var (cold, coldHistory) = lab.TrainDistilled(1, 1);
        var (hot, hotHistory) = lab.TrainDistilled(1, 8);
        using (cold)
        using (hot)
        {
            foreach (var (a, b) in cold.parameters().Zip(hot.parameters()))
            {
                Assert.True(a.equal(b).all().item<bool>(), "the α = 1 students differ between T = 1 and T = 8");
            }
            Assert.Equal(coldHistory.Epochs.Select(e => (e.TrainLoss, e.TestAccuracy)), hotHistory.Epochs.Select(e => (e.TrainLoss, e.TestAccuracy)));
        }

        // The sweep scores each student after its last epoch only: the same last score as the per-epoch run.
        var cells = MnistSweep.Run(lab, [1], [1, 8, 4]);
        Assert.Equal([1.0, 8, 4], cells.Select(c => c.Temperature));
        Assert.Single(cells.Select(c => (c.Accuracy, c.Errors, c.TrainSeconds)).Distinct());
        Assert.Equal(coldHistory.Last.TestAccuracy, cells[0].Accuracy);
    }

    [Fact]
    public void ScoringOnlyTheLastEpochLeavesTheStudentAndItsLastScoreAsTheyWere()
    {
        // Two epochs, scored after each or after the last only, in separate folders so neither run resumes the other.
        MnistDistillationLab Lab() => new(new MnistDistillationOptions
        {
            TrainLimit = 1200, TestLimit = 300, TeacherEpochs = 1, Training = new() { Epochs = 2 },
            Lab = new() { OutputDirectory = TestData.TempDirectory(), Seeds = [1], DataDirectory = TestData.MnistDirectory },
        }, TrainingProgress.Silent, _ => { });
        using var every = Lab();
        using var once = Lab();
        var (everyModel, everyHistory) = every.TrainDistilled(0.5, 4);
        var (onceModel, onceHistory) = once.TrainDistilledScoredOnce(0.5, 4);
        using (everyModel)
        using (onceModel)
        {
            Assert.True(double.IsFinite(everyHistory.Epochs[0].TestAccuracy));
            Assert.True(double.IsNaN(onceHistory.Epochs[0].TestAccuracy));
            Assert.Equal(everyHistory.Last.TestAccuracy, onceHistory.Last.TestAccuracy);
            Assert.Equal(everyHistory.Epochs.Select(e => e.TrainLoss), onceHistory.Epochs.Select(e => e.TrainLoss));
            foreach (var (a, b) in everyModel.parameters().Zip(onceModel.parameters()))
            {
                Assert.True(a.equal(b).all().item<bool>(), "scoring after each epoch changed the student");
            }
        }
    }

    [Fact]
    public void TheCsvAndHeadersAreNamedAfterTheEvaluationSet()
    {
        SweepCell[] validation = [new(0, 4, 0.9, 30, 1.5, "validation"), new(1, 4, 0.8, 60, 1.5, "validation")];
        Assert.StartsWith("alpha,temperature,validation_accuracy,errors,train_seconds\n", MnistSweep.ToCsv(validation), StringComparison.Ordinal);
        Assert.Equal("Validation accuracy", MnistSweep.AccuracyHeader(validation));
        // A test-set sweep keeps its columns as before.
        SweepCell[] test = [new(0, 4, 0.9, 100, 1.5)];
        Assert.Equal("alpha,temperature,test_accuracy,errors,train_seconds\n0,4,0.9,100,1.5\n", MnistSweep.ToCsv(test).ReplaceLineEndings("\n"));
        Assert.Equal("Test accuracy", MnistSweep.AccuracyHeader(test));
        Assert.Throws<ArgumentException>(() => MnistSweep.ToCsv([.. validation, .. test]));
    }

    [Fact]
    public void TheSweepCommandTakesValidationAndSaysSo()
    {
        string dir = TestData.TempDirectory();
        var (exit, output) = CliRunner.Run("sweep", "mnist", "--smoke", "--validation", "300", "--alpha", "0.5", "--temperature", "4", "--threads", "1",
            "--out", dir, "--data", TestData.MnistDirectory);
        Assert.True(exit == 0, output);
        Assert.Contains("300 validation images", output, StringComparison.Ordinal);
        Assert.Contains("Validation accuracy", output, StringComparison.Ordinal);
        var lines = File.ReadAllLines(Path.Combine(dir, "sweep.csv"));
        Assert.Equal("alpha,temperature,validation_accuracy,errors,train_seconds", lines[0]);
        var fields = lines[1].Split(',');
        double accuracy = double.Parse(fields[2], CultureInfo.InvariantCulture);
        Assert.Equal(300, int.Parse(fields[3], CultureInfo.InvariantCulture) + (int)Math.Round(accuracy * 300));
        Assert.Contains("Validation accuracy", File.ReadAllText(Path.Combine(dir, "sweep.html")), StringComparison.Ordinal);
    }

    [Fact]
    public void TheSweepCommandTakesTheTeachersImagesAndTheTransferSet()
    {
        // Lesson 01's grid from the command line: students on a transfer set, the teacher on the first N images. A teacher that
        // reaches into the validation images is the one case the run names its images in, so it shows --teacher-images was read.
        string dir = TestData.TempDirectory();
        var (exit, output) = CliRunner.Run("sweep", "mnist", "--smoke", "--validation", "300", "--transfer-size", "500", "--teacher-images", "1800", "--teacher-epochs", "1",
            "--alpha", "0.5", "--temperature", "4", "--threads", "1", "--out", dir, "--data", TestData.MnistDirectory);
        Assert.True(exit == 0, output);
        Assert.Contains("(students: 500), 300 validation images", output, StringComparison.Ordinal);
        Assert.Contains("the teacher trains on the first 1,800 training images, which include 100 of the 300 validation images", output, StringComparison.Ordinal);
    }
}
