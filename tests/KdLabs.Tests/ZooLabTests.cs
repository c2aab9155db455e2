using System.Text.Json;
using KdLabs.Experiments;
using KdLabs.Infrastructure;
using TorchSharp;

namespace KdLabs.Tests;

/// <summary>The method zoo: its bookkeeping on hand-made rows, its options, and real smoke runs through the lab and the CLI.</summary>
[Collection(TorchRngCollection.Name)]
public class ZooLabTests
{
    private static ZooRow Row(string method, int seed, double accuracy, double secondsPerEpoch) =>
        new(method, seed, 3, accuracy, accuracy, 3 * secondsPerEpoch, secondsPerEpoch, 500, 0, "");

    private static ZooResult Result(params ZooRow[] rows) =>
        new(new ZooOptions { Methods = ["none", "kd", "at", "dkd", "fsp"] }, "test", 1, ["a"], [0.99], 0.99, 1, 300_426, true, rows);

    [Fact]
    public void TheSummaryPairsEachMethodWithKdAndNoKdOfTheSameSeed()
    {
        var result = Result(
            Row("none", 1, 0.980, 10), Row("none", 2, 0.970, 20),
            Row("kd", 1, 0.982, 11), Row("kd", 2, 0.975, 22),
            Row("at", 1, 0.990, 30), Row("at", 2, 0.980, 40),
            Row("dkd", 1, 0.970, 11), Row("dkd", 2, 0.970, 22),
            Row("fsp", 1, 0.985, 10), Row("fsp", 2, 0.970, 20));
        var s = result.Summary().ToDictionary(x => x.Method.Key);
        Assert.Equal(["none", "kd", "at", "dkd", "fsp"], result.Summary().Select(x => x.Method.Key));
        Assert.Null(s["kd"].DeltaVsKd);
        Assert.Equal((0.008 + 0.005) / 2, s["at"].DeltaVsKd!.Mean, 9);
        Assert.Equal("yes, on every seed (2)", s["at"].VersusKd);
        Assert.Equal("no, below on every seed (2)", s["dkd"].VersusKd);
        Assert.Equal("no clear difference: above on 1 of 2 seeds", s["fsp"].VersusKd);
        Assert.Equal((3.0 + 2.0) / 2, s["at"].TimeRatio!.Value, 9);
        Assert.Equal(1.0, s["none"].TimeRatio!.Value, 9);
        var table = ZooReport.Markdown(result);
        Assert.Contains("| attention transfer | spatial attention maps | 98.50 ± 0.71 % (2 seeds) | +0.65 ± 0.21 | yes, on every seed (2) | 2.50× |", table);
    }

    [Fact]
    public void MethodListsParseByKeyAndRejectUnknownOnesByName()
    {
        Assert.Equal(ZooOptions.LessonMethods, ZooOptions.ParseMethods("lesson"));
        Assert.Equal(ZooOptions.ZooCapable().Select(m => m.Key), ZooOptions.ParseMethods("all"));
        Assert.DoesNotContain("soft-tree", ZooOptions.ParseMethods("all"));
        Assert.Equal(["kd", "at"], ZooOptions.ParseMethods(" kd, AT "));
        // Refused as every list setting is: an entry typed twice, an empty entry.
        Assert.Contains("kd twice", Assert.Throws<ArgumentException>(() => ZooOptions.ParseMethods("kd,at,KD")).Message);
        Assert.Contains("empty entry", Assert.Throws<ArgumentException>(() => ZooOptions.ParseMethods("kd,,at")).Message);
        // Today's spellings are the keys; the descriptive ones are aliases.
        Assert.Equal(["none", "mt-avg", "mt-random"], ZooOptions.ParseMethods("no-kd,multi-teacher-avg,multi-teacher-random"));
        var error = Assert.Throws<ArgumentException>(() => ZooOptions.ParseMethods("kd,crd"));
        Assert.Contains("'crd'", error.Message);
        Assert.Contains("fitnets", error.Message);
    }

    [Fact]
    public void TheZoosFirstTeacherIsTheCourseTeacherAndItsStudentsLearnInLesson02sRegime()
    {
        // The course trains one MNIST teacher: the zoo's first teacher must share lesson 02's cache key (same trainer
        // settings and the same images), and its students lesson 02's transfer set, epochs, α and T.
        var zoo = new ZooOptions();
        var lesson02 = MnistDistillationOptions.SmallTransferSet;
        Assert.Equal(lesson02.TeacherTrainer().RunIdentity().ToJsonString(), zoo.TeacherTrainer(0).RunIdentity().ToJsonString());
        Assert.Equal(lesson02.TeacherImages, zoo.TeacherImages);
        Assert.Equal(lesson02.TransferSize, zoo.TransferSize);
        Assert.Equal(lesson02.Training, zoo.Training);
        Assert.Equal(lesson02.Kd, zoo.Kd);
        // The ensemble's other members are the same recipe with their own seeds.
        Assert.Equal(2, zoo.TeacherTrainer(1).Seed);
        Assert.Equal(zoo.TeacherTrainer(0) with { Seed = 2 }, zoo.TeacherTrainer(1));
        // On 1,000 images the test set is read at mid-run and at the end, not after each of 10 short epochs.
        Assert.Equal(5, zoo.Trainer(10, 1).EvaluateEvery);
        Assert.Equal(1, (zoo with { TransferSize = null }).Trainer(10, 1).EvaluateEvery);
        Assert.Contains("TransferSize", Assert.Throws<ArgumentOutOfRangeException>(() => new ZooOptions { TransferSize = 0 }.Validate()).Message);
        Assert.Contains("TeacherImages", Assert.Throws<ArgumentOutOfRangeException>(() => new ZooOptions { TeacherImages = -1 }.Validate()).Message);
    }

    [Fact]
    public void OptionsThatLeaveNoSecondStageOrEnsembleAreRefusedByName()
    {
        Assert.Contains("Epochs", Assert.Throws<ArgumentOutOfRangeException>(() => new ZooOptions { Training = new() { Epochs = 1 } }.Validate()).Message);
        Assert.Contains("StageOneEpochs", Assert.Throws<ArgumentOutOfRangeException>(() => new ZooOptions { Training = new() { Epochs = 3 }, StageOneEpochs = 3 }.Validate()).Message);
        Assert.Contains("TeacherCount", Assert.Throws<ArgumentOutOfRangeException>(() => new ZooOptions { TeacherCount = 1 }.Validate()).Message);
        Assert.Contains("soft-tree", Assert.Throws<ArgumentException>(() => new ZooOptions { Methods = ["kd", "soft-tree"] }.Validate()).Message);
        Assert.Contains("fitnets", Assert.Throws<ArgumentException>(() => new ZooOptions { Methods = ["crd"] }.Validate()).Message);
    }

    [Fact]
    public void ASmokeRunTrainsEveryMethodOnRealMnistAndWritesItsReports()
    {
        string outDir = TestData.TempDirectory();
        using var lab = new ZooLab(new ZooOptions { Lab = new() { Smoke = true, DataDirectory = TestData.MnistDirectory, OutputDirectory = outDir, Seeds = [5] } },
            Training.TrainingProgress.Silent, _ => { });
        var result = lab.Run();
        Assert.Equal(ZooOptions.LessonMethods, result.Rows.Select(r => r.Method));
        Assert.All(result.Rows, r => Assert.True(r.TestAccuracy > 0.3, $"{r.Method}: {r.TestAccuracy}"));
        Assert.All(result.Rows, r => Assert.Equal(2, r.Epochs));
        Assert.Equal(2, result.TeacherAccuracies.Count);
        Assert.Equal(300_426, result.StudentParameters);
        Assert.Equal(300_426, result.Rows.Single(r => r.Method == "dml").TrainingOnlyParameters);
        Assert.Equal(32 * 64 + 64, result.Rows.Single(r => r.Method == "fitnets").TrainingOnlyParameters);
        Assert.Contains("peer students", result.Rows.Single(r => r.Method == "dml").Note);
        Assert.All(result.Rows, r => Assert.True(r.PeakMemoryMb > 50));
        var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        Assert.Equal("none", json.RootElement.GetProperty("Options").GetProperty("Methods")[0].GetString());
        Assert.Contains("SMOKE", File.ReadAllText(Path.Combine(outDir, "results.md")));
        Assert.Contains("error_y", File.ReadAllText(Path.Combine(outDir, "report.html")));

        // The report renders again from results.json alone, with the same table.
        string markdown = File.ReadAllText(Path.Combine(outDir, "results.md"));
        File.Delete(Path.Combine(outDir, "results.md"));
        ZooReport.Write(ZooReport.Read(Path.Combine(outDir, "results.json")), outDir, withJson: false);
        Assert.Equal(markdown, File.ReadAllText(Path.Combine(outDir, "results.md")));
    }

    [Fact]
    public void TheTeachersScoresComeFromTheirCachedTestLogitsWithTheSameBitsAsAFreshPass()
    {
        ZooOptions Options() => new() { Lab = new() { Smoke = true, DataDirectory = TestData.MnistDirectory, OutputDirectory = TestData.TempDirectory(), Seeds = [1] } };
        var firstLog = new List<string>();
        IReadOnlyList<double> cached;
        double cachedEnsemble;
        using (var lab = new ZooLab(Options(), Training.TrainingProgress.Silent, firstLog.Add))
        {
            cached = lab.TeacherAccuracies();
            cachedEnsemble = lab.EnsembleAccuracy();
            // What the lab computed before the cache: each teacher run over the test images, and their averaged probabilities.
            using var scope = torch.NewDisposeScope();
            var logits = lab.Teachers().Select(t => Evaluation.Predictor.Logits(t.Model, lab.Test)).ToList();
            double Score(torch.Tensor l) => Evaluation.ClassificationReport.From(Evaluation.Predictor.ArgMax(l), lab.Test.LabelArray(), lab.Test.NumClasses).Accuracy;
            Assert.Equal(logits.Select(Score), cached);
            Assert.Equal(Score(Losses.MultiTeacherTargets.AverageProbabilities(logits, 1.0)), cachedEnsemble);
        }
        var secondLog = new List<string>();
        using (var lab = new ZooLab(Options(), Training.TrainingProgress.Silent, secondLog.Add))
        {
            Assert.Equal(cached, lab.TeacherAccuracies());
            Assert.Equal(cachedEnsemble, lab.EnsembleAccuracy());
        }
        Assert.Equal(2, secondLog.Count(line => line.StartsWith("test set: teacher logits: reusing", StringComparison.Ordinal)));
    }

    [Fact]
    public void AResultsFileThatIsNotAZooResultIsRejectedByName()
    {
        string path = Path.Combine(TestData.TempDirectory(), "results.json");
        File.WriteAllText(path, "{\"Rows\": 3}");
        var error = Assert.Throws<Infrastructure.DataFormatException>(() => ZooReport.Read(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("kdlabs zoo mnist", error.Message);
    }

    [Fact]
    public void TheSameSeedGivesTheSameStudentAndATwoStageRunResumesFromItsCheckpoints()
    {
        string first = TestData.TempDirectory();
        string second = TestData.TempDirectory();
        ZooOptions Options(string dir) => new() { Lab = new() { Smoke = true, DataDirectory = TestData.MnistDirectory, OutputDirectory = dir, Seeds = [2] }, Methods = ["fitnets"] };
        double a, b;
        ZooRow resumed;
        using (var lab = new ZooLab(Options(first), Training.TrainingProgress.Silent, _ => { }))
        {
            var trained = lab.TrainMethod("fitnets", 2).Row;
            a = trained.TestAccuracy;
            Assert.NotNull(trained.PeakMemoryMb);
            resumed = lab.TrainMethod("fitnets", 2).Row;
        }
        using (var lab = new ZooLab(Options(second), Training.TrainingProgress.Silent, _ => { }))
        {
            b = lab.TrainMethod("fitnets", 2).Row.TestAccuracy;
        }
        Assert.Equal(a, b);
        Assert.Equal(a, resumed.TestAccuracy);
        Assert.Null(resumed.PeakMemoryMb);
        Assert.Equal(2, Directory.GetDirectories(Path.Combine(first, "checkpoints")).Length);
    }

    [Fact]
    public void TheCliRunsTheZooAndNamesAnUnknownMethod()
    {
        string outDir = TestData.TempDirectory();
        var (code, output) = CliRunner.Run("zoo", "mnist", "--smoke", "--methods", "none,kd,at", "--threads", "1", "--out", outDir);
        Assert.True(code == 0, output);
        Assert.Contains("attention transfer", output);
        Assert.True(File.Exists(Path.Combine(outDir, "report.html")));
        var (bad, message) = CliRunner.Run("zoo", "mnist", "--smoke", "--methods", "kd,crd", "--out", outDir);
        Assert.Equal(2, bad);
        Assert.Contains("crd", message);
        Assert.Contains("dkd", message);
    }

    [Fact]
    public void Lesson06ChecksAcceptTheRightAnswersAndExplainWrongOnes()
    {
        double r = 1 / Math.Sqrt(5);
        Assert.True(Course.Exercises.Lesson06.AttentionMap([r, 2 * r]).Correct);
        Assert.Contains("before normalisation", Course.Exercises.Lesson06.AttentionMap([2, 4]).Message);
        Assert.Contains("sum", Course.Exercises.Lesson06.AttentionMap([1.0 / 3, 2.0 / 3]).Message);
        Assert.Contains("p = 1", Course.Exercises.Lesson06.AttentionMap([Math.Sqrt(0.5), Math.Sqrt(0.5)]).Message);
        Assert.Contains("2 positions", Course.Exercises.Lesson06.AttentionMap([1]).Message);
        Assert.Contains("not answered", Course.Exercises.Lesson06.AttentionMap(null).Message);
        Assert.True(Course.Exercises.Lesson06.TeacherCache('b').Correct);
        Assert.Contains("8.8 GB", Course.Exercises.Lesson06.TeacherCache('a').Message);
        Assert.True(Course.Exercises.Lesson06.Detach('B').Correct);
        Assert.False(Course.Exercises.Lesson06.Detach('d').Correct);
        Assert.Contains("not one of the choices", Course.Exercises.Lesson06.Detach('x').Message);
    }

    [Fact]
    public void TheExercisesFeatureMapIsTheOneTheCheckUses()
    {
        var f = Course.Exercises.Lesson06.AttentionFeatures;
        Assert.Equal(new float[] { 1, 0, 1, 2 }, new[] { f[0, 0], f[0, 1], f[1, 0], f[1, 1] });
    }
}
