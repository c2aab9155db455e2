using System.Text.Json;
using KdLabs.Course;
using KdLabs.Data;
using KdLabs.Experiments;
using KdLabs.Methods;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>SSLD: the label-free objective, the batch-statistics teacher, the trainer's per-step schedule and layer-wise rates, the lab and lesson 05's checks.</summary>
[Collection(TorchRngCollection.Name)]
public class SsldLabTests
{
    // Teacher p = (0.25, 0.75) from logits (0, ln 3); student q = (0.5, 0.5) from logits (0, 0).
    private static readonly double[] P = [0.25, 0.75];
    private static readonly double[] Q = [0.5, 0.5];

    private static double Kl(double[] a, double[] b) => a.Zip(b, (x, y) => x * Math.Log(x / y)).Sum();

    [Theory]
    [InlineData(SoftLabelLoss.SoftCrossEntropy)]
    [InlineData(SoftLabelLoss.Kl)]
    [InlineData(SoftLabelLoss.Js)]
    [InlineData(SoftLabelLoss.SymmetricKl)]
    public void EachSoftLabelLossMatchesItsHandComputedValue(SoftLabelLoss loss)
    {
        double[] m = [0.375, 0.625];
        double expected = loss switch
        {
            SoftLabelLoss.SoftCrossEntropy => -(0.25 * Math.Log(0.5) + 0.75 * Math.Log(0.5)),
            SoftLabelLoss.Kl => Kl(P, Q),
            SoftLabelLoss.Js => 0.5 * Kl(P, m) + 0.5 * Kl(Q, m),
            _ => 0.5 * Kl(P, Q) + 0.5 * Kl(Q, P),
        };
        using var teacher = tensor(new[] { 0f, (float)Math.Log(3) }).unsqueeze(0);
        using var student = zeros(1, 2);
        using var value = SoftLabelObjective.Compute(teacher, student, loss, 1);
        Assert.Equal(expected, value.item<float>(), 5);
    }

    [Fact]
    public void TheLabelFreeObjectiveNeverReadsTheLabels()
    {
        using var model = ModelCatalog.Create("cnn-student", 1);
        model.eval();
        using var inputs = randn(4, 1, 28, 28);
        using var indices = arange(4L);
        using var teacher = ModelCatalog.Create("cnn-bn-teacher", 2);
        var objective = new SoftLabelObjective(new LiveTeacher(teacher, "t"), SoftLabelLoss.Js);
        float LossWith(long label)
        {
            using var labels = full(4, label, ScalarType.Int64);
            return objective.Step(model, new Batch(inputs, labels, indices)).Loss.item<float>();
        }
        Assert.Equal(LossWith(0), LossWith(9));
    }

    [Fact]
    public void TheBatchStatisticsTeacherNormalisesWithTheBatchAndLeavesItsRunningStatisticsAsTheyWere()
    {
        using var teacher = ModelCatalog.Create("cnn-bn-teacher", 3);
        teacher.eval();
        var before = teacher.buffers().Select(b => b.clone()).ToList();
        using var inputs = randn(16, 1, 28, 28) * 3 + 1;
        using var indices = arange(16L);
        using var labels = zeros(16, ScalarType.Int64);
        var batch = new Batch(inputs, labels, indices);
        using var eval = teacher.forward(inputs);
        using (var signal = new BatchStatisticsTeacher(teacher, "t"))
        {
            using var train = signal.LogitsFor(batch);
            Assert.False(train.allclose(eval, 1e-3, 1e-3), "train mode should normalise with the batch's statistics");
            Assert.False(train.requires_grad);
            Assert.False(teacher.training);
        }
        var after = teacher.buffers().ToList();
        Assert.All(before.Zip(after), pair => Assert.True(pair.First.equal(pair.Second).all().item<bool>()));
    }

    [Fact]
    public void WarmupCosineIsSetPerStepAndStageMultipliersFreezeAStageAtZero()
    {
        using var data = MnistDataset.Load(train: true, TestData.MnistDirectory, 128);
        using var model = ModelCatalog.Create("cnn-student", 4);
        var options = new TrainerOptions { Epochs = 2, BatchSize = 64, LearningRate = 0.01, Schedule = LrSchedule.WarmupCosine, WarmupEpochs = 1, Seed = 4 };
        var history = new Trainer(options, TrainingProgress.Silent).Fit(model, data, null, new SupervisedObjective(), "w");
        Assert.Equal(0.0, history.Epochs[0].LearningRate, 12);    // step 0 of the warmup
        Assert.Equal(0.01, history.Epochs[1].LearningRate, 12);   // end of warmup = start of the cosine
        Assert.Contains("WarmupEpochs", options.Fingerprint());
        Assert.DoesNotContain("WarmupEpochs", new TrainerOptions().Fingerprint());

        var staged = (IStagedModel)model;
        var conv1 = staged.Stages()[0].Parameters[0].clone();
        var fc2 = staged.Stages()[3].Parameters[0].clone();
        var sgd = new TrainerOptions { Epochs = 1, BatchSize = 64, LearningRate = 0.05, Optimizer = OptimizerKind.Sgd, WeightDecay = 0.01, StageMultipliers = [0, 0, 1, 1], Seed = 4 };
        new Trainer(sgd, TrainingProgress.Silent).Fit(model, data, null, new SupervisedObjective(), "s");
        Assert.True(conv1.equal(staged.Stages()[0].Parameters[0]).all().item<bool>(), "a stage at multiplier 0 must not move, weight decay included");
        Assert.False(fc2.equal(staged.Stages()[3].Parameters[0]).all().item<bool>());
        var wrong = sgd with { StageMultipliers = [1, 1] };
        var e = Assert.Throws<ArgumentException>(() => new Trainer(wrong, TrainingProgress.Silent).Fit(model, data, null, new SupervisedObjective(), "x"));
        Assert.Contains("one per stage", e.Message);
    }

    [Fact]
    public void EvaluateEverySkipsTestPassesButAlwaysScoresTheLastEpochAndKeepsCheckpointsCompatible()
    {
        using var data = MnistDataset.Load(train: true, TestData.MnistDirectory, 64);
        using var model = ModelCatalog.Create("cnn-student", 5);
        var options = new TrainerOptions { Epochs = 3, BatchSize = 64, EvaluateEvery = 2, Seed = 5 };
        var history = new Trainer(options, TrainingProgress.Silent).Fit(model, data, data, new SupervisedObjective(), "e");
        Assert.True(double.IsNaN(history.Epochs[0].TestAccuracy));
        Assert.False(double.IsNaN(history.Epochs[1].TestAccuracy));
        Assert.False(double.IsNaN(history.Epochs[2].TestAccuracy));
        Assert.Equal(new TrainerOptions { Epochs = 3 }.Fingerprint(), (options with { Seed = 1, BatchSize = 64 }).Fingerprint());
    }

    [Fact]
    public void TheLabelledSubsetIsBalancedFixedAndDisjointFromThePool()
    {
        _ = TestData.MnistDirectory;
        using var lab = new SsldLab(new SsldOptions { Lab = new() { Smoke = true, Seeds = [1], OutputDirectory = TestData.TempDirectory() } }, TrainingProgress.Silent, _ => { });
        using var again = new SsldLab(new SsldOptions { Lab = new() { Smoke = true, Seeds = [2], OutputDirectory = TestData.TempDirectory() } }, TrainingProgress.Silent, _ => { });
        var counts = lab.Labeled.LabelArray().GroupBy(l => l).Select(g => g.Count()).ToList();
        Assert.Equal(10, counts.Count);
        Assert.All(counts, c => Assert.Equal(10, c));
        Assert.Equal(lab.Labeled.Fingerprint, again.Labeled.Fingerprint);
        Assert.True(lab.Labeled.Features.equal(again.Labeled.Features).all().item<bool>());
        Assert.Equal(1000, lab.Pool.Count);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SsldOptions { Labeled = 1005 }.Validate());
    }

    [Fact]
    public void ASecondLabMinesFromThePoolLogitsTheFirstCachedAndKeepsTheSameImages()
    {
        _ = TestData.MnistDirectory;
        var logs = new List<string>();
        TopKSelection first, second;
        using (var lab = new SsldLab(new SsldOptions { Lab = new() { Smoke = true, Seeds = [1], OutputDirectory = TestData.TempDirectory() } }, TrainingProgress.Silent, _ => { }))
        {
            first = lab.Mine();
        }
        using (var lab = new SsldLab(new SsldOptions { Lab = new() { Smoke = true, Seeds = [1], OutputDirectory = TestData.TempDirectory() } }, TrainingProgress.Silent, logs.Add))
        {
            second = lab.Mine();
        }
        Assert.Contains(logs, l => l.StartsWith("pool: teacher logits: reusing ", StringComparison.Ordinal));
        Assert.Equal(first.Indices, second.Indices);
        Assert.Equal(first.PredictedClasses, second.PredictedClasses);
    }

    [Fact]
    public void CliSsldSmokeTrainsEveryRowAndWritesResults()
    {
        string outDir = TestData.TempDirectory();
        _ = TestData.MnistDirectory;
        var (code, output) = CliRunner.Run("ssld", "mnist", "--smoke", "--seeds", "1,2", "--threads", "1", "--out", outDir);
        Assert.True(code == 0, output);
        Assert.Contains("student, labels only", output);
        Assert.Contains("SSLD + fine-tune on labels", output);
        Assert.Contains("whole pool instead of top-k", output);
        Assert.Contains("mined per class", output);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        var rows = json.RootElement.GetProperty("Rows").EnumerateArray().ToList();
        Assert.Equal(2 * 4 + 5, rows.Count);
        Assert.Contains("Plotly.newPlot", File.ReadAllText(Path.Combine(outDir, "report.html")));
        var (bad, message) = CliRunner.Run("ssld", "mnist", "--labeled", "15", "--smoke", "--out", outDir);
        Assert.Equal(2, bad);
        Assert.Contains("--labeled", message);
    }

    [Fact]
    public void WholePoolMainRowsShareTheirCheckpointWithTheWholePoolAblation()
    {
        string outDir = TestData.TempDirectory();
        var options = new SsldOptions { Ablations = false, MineTopK = false, Lab = new() { Smoke = true, Seeds = [1], OutputDirectory = outDir, DataDirectory = TestData.MnistDirectory } };
        SsldResult whole;
        using (var lab = new SsldLab(options, TrainingProgress.Silent, _ => { }))
        {
            whole = lab.Run();
        }
        var row = whole.Rows.Single(r => r.Name == SsldLab.WholePoolName);
        Assert.Equal(whole.Rows.Single(r => r.Name == "student, labels only").TrainImages + whole.PoolSize, row.TrainImages);
        Assert.Equal(4, whole.Rows.Count);
        using (var lab = new SsldLab(options with { MineTopK = true, Ablations = true }, TrainingProgress.Silent, _ => { }))
        {
            var topK = lab.Run();
            Assert.Equal(row.TestAccuracy, topK.Rows.Single(r => r.Name == SsldLab.WholePoolName).TestAccuracy);
        }
        var wholePoolRuns = Directory.GetDirectories(Path.Combine(outDir, "checkpoints")).Count(d => Path.GetFileName(d).StartsWith("ssld-whole-pool", StringComparison.Ordinal));
        Assert.Equal(1, wholePoolRuns);
    }

    [Fact]
    public void WholePoolEpochsDefaultToTheMinedStudentsSoTheCliKeepsItsRowsAndOneEpochIsTheEpochsOneRun()
    {
        var defaults = new SsldOptions();
        Assert.Null(defaults.WholePoolEpochs);
        Assert.Equal(4, defaults.EpochsOnWholePool());
        Assert.Equal(defaults.Training.Epochs, defaults.EpochsOnWholePool());
        // --whole-pool-epochs 1 trains the whole-pool student with the trainer settings of --epochs 1: the same run key.
        var matched = defaults with { WholePoolEpochs = 1 };
        var epochsOne = defaults with { Training = defaults.Training with { Epochs = 1 } };
        Assert.Equal(epochsOne.Trainer(epochsOne.EpochsOnWholePool(), 2, true), matched.Trainer(matched.EpochsOnWholePool(), 2, true));
        Assert.Equal(4, matched.Trainer(matched.Training.Epochs, 2, true).Epochs);
        Assert.Equal(1, (matched with { Lab = new() { Smoke = true } }).Effective().WholePoolEpochs);
        Assert.Null((defaults with { Lab = new() { Smoke = true } }).Effective().WholePoolEpochs);
        var e = Assert.ThrowsAny<ArgumentException>(() => (defaults with { WholePoolEpochs = 0 }).Validate());
        Assert.Contains(nameof(SsldOptions.WholePoolEpochs), e.Message);
    }

    [Fact]
    public void TheWholePoolStudentTrainsItsOwnEpochsAndTheReportSaysSo()
    {
        string outDir = TestData.TempDirectory();
        var options = new SsldOptions
        {
            Labeled = 100, PoolLimit = 300, TopK = 5, TestLimit = 100, TeacherEpochs = 1, LabeledEpochs = 1, FinetuneEpochs = 1,
            Training = new SsldOptions().Training with { Epochs = 2 }, WholePoolEpochs = 1, MineTopK = false, Ablations = false,
            Lab = new() { Seeds = [1], OutputDirectory = outDir, DataDirectory = TestData.MnistDirectory },
        };
        using var lab = new SsldLab(options, TrainingProgress.Silent, _ => { });
        var result = lab.Run();
        var row = result.Rows.Single(r => r.Name == SsldLab.WholePoolName);
        Assert.Equal(1, row.Epochs);
        Assert.Equal(100 + 300, row.TrainImages);
        Assert.Contains("the whole-pool students train 1 epoch, the mined ones 2 epochs", SsldReport.Markdown(result));
        var (mined, history) = lab.TrainSsld(1, SsldLab.SsldName);
        mined.Dispose();
        Assert.Equal(2, history.Epochs.Count);
        Assert.DoesNotContain("whole-pool students train", SsldReport.Markdown(result with { Options = options with { WholePoolEpochs = 2 } }));
    }

    [Fact]
    public void Lesson05ChecksAcceptTheRightAnswersAndExplainWrongOnes()
    {
        Assert.True(Exercises.Lesson05.JsOfDisjoint(Math.Log(2)).Correct);
        Assert.Contains("bits", Exercises.Lesson05.JsOfDisjoint(1).Message);
        Assert.Contains("not answered", Exercises.Lesson05.JsOfDisjoint(null).Message);
        Assert.True(Exercises.Lesson05.Mining('b').Correct);
        Assert.False(Exercises.Lesson05.Mining('c').Correct);
        Assert.True(Exercises.Lesson05.Claim('c').Correct);
        Assert.Contains("test set", Exercises.Lesson05.Claim('b').Message);
        Assert.Contains("replace '?' with 'a', 'b', 'c' or 'd'", Exercises.Lesson05.Mining('?').Message);
        Assert.Contains("replace '?' with 'a', 'b' or 'c'", Exercises.Lesson03.ScreeningMetric('?').Message);
        Assert.Contains("not one of the choices a, b, c, d", Exercises.Lesson05.Claim('z').Message);
        Assert.True(Exercises.Lesson05.Mining('B').Correct);
    }
}
