using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Tests;

[Collection(TorchRngCollection.Name)]
public class TrainerTests
{
    private static InMemoryDataset Small(int n = 600) => MnistDataset.Load(train: true, TestData.MnistDirectory, n);

    private static TrainerOptions Quick(string? checkpoints = null, int epochs = 1) =>
        new() { Epochs = epochs, BatchSize = 50, Seed = 7, CheckpointDirectory = checkpoints };

    [Fact]
    public void SameSeedGivesIdenticalResults()
    {
        using var data = Small();
        double Run()
        {
            using var model = ModelCatalog.Create("cnn-student", 3);
            return new Trainer(Quick(epochs: 2), TrainingProgress.Silent).Fit(model, data, data, new SupervisedObjective(), "r").Last.TrainLoss;
        }
        Assert.Equal(Run(), Run());
    }

    [Fact]
    public void EachEpochGetsANewShuffleAndTheSeedReproducesIt()
    {
        var e1 = BatchLoader.EpochOrder(100, true, 5, 1);
        var e2 = BatchLoader.EpochOrder(100, true, 5, 2);
        Assert.NotEqual(e1, e2);
        Assert.Equal(e1, BatchLoader.EpochOrder(100, true, 5, 1));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), e1.Order());
    }

    [Fact]
    public void CheckpointRoundTripRestoresWeightsAndHistory()
    {
        using var data = Small();
        string dir = TestData.TempDirectory();
        using var model = ModelCatalog.Create("cnn-student", 1);
        var history = new Trainer(Quick(dir), TrainingProgress.Silent).Fit(model, data, null, new SupervisedObjective(), "r");

        using var restored = ModelCatalog.Create("cnn-student", 99);
        var state = Checkpoint.ReadState(dir)!;
        Checkpoint.Load(dir, restored);
        Assert.Equal(1, state.Epoch);
        Assert.Equal(history.Last.TrainLoss, state.History[0].TrainLoss);
        foreach (var (a, b) in model.parameters().Zip(restored.parameters()))
        {
            Assert.True(Same(a, b));
        }
        Assert.DoesNotContain(Directory.GetFileSystemEntries(dir), f => f.EndsWith(".tmp", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith(".staging-", StringComparison.Ordinal));
    }

    [Fact]
    public void AnInterruptedRunResumesToTheSameResultAsAnUninterruptedOne()
    {
        using var data = Small();
        using var straight = ModelCatalog.Create("cnn-student", 1);
        var full = new Trainer(Quick(TestData.TempDirectory(), epochs: 2), TrainingProgress.Silent).Fit(straight, data, null, new SupervisedObjective(), "r");

        string dir = TestData.TempDirectory();
        using (var first = ModelCatalog.Create("cnn-student", 1))
        {
            // Dies in the middle of epoch 2, after the epoch-1 checkpoint was written.
            Assert.Throws<OperationCanceledException>(() => new Trainer(Quick(dir, epochs: 2), TrainingProgress.Silent)
                .Fit(first, data, null, new FailingObjective(failAtStep: 15), "r"));
        }
        Assert.Equal(1, Checkpoint.ReadState(dir)!.Epoch);
        using var resumed = ModelCatalog.Create("cnn-student", 1);
        var rest = new Trainer(Quick(dir, epochs: 2), TrainingProgress.Silent).Fit(resumed, data, null, new SupervisedObjective(), "r");
        Assert.Equal(2, rest.Epochs.Count);
        Assert.Equal(full.Last.TrainLoss, rest.Last.TrainLoss, 6);

        // A checkpoint made with other options is refused rather than silently mixed in.
        using var other = ModelCatalog.Create("cnn-student", 1);
        Assert.Throws<DataFormatException>(() => new Trainer(Quick(dir, epochs: 3), TrainingProgress.Silent).Fit(other, data, null, new SupervisedObjective(), "r"));
    }

    [Theory]
    [InlineData(LrSchedule.Constant)]
    [InlineData(LrSchedule.Step)]
    [InlineData(LrSchedule.Cosine)]
    [InlineData(LrSchedule.WarmupCosine)]
    public void AResumedRunMatchesAnUninterruptedOneBitForBitUnderEverySchedule(LrSchedule schedule)
    {
        // 6 batches an epoch, 3 epochs; warmup (per-step path) spans the first epoch and a half.
        using var data = Small(300);
        TrainerOptions Options(string dir) => Quick(dir, epochs: 3) with
        {
            Schedule = schedule, StepSize = 1, StepGamma = 0.5, WarmupEpochs = schedule == LrSchedule.WarmupCosine ? 1.5 : 0,
        };
        using var straight = ModelCatalog.Create("cnn-student", 1);
        var full = new Trainer(Options(TestData.TempDirectory()), TrainingProgress.Silent).Fit(straight, data, null, new SupervisedObjective(), "r");

        string dir = TestData.TempDirectory();
        using (var first = ModelCatalog.Create("cnn-student", 1))
        {
            // Dies in the middle of epoch 3, after the epoch-2 checkpoint (whose optimizer holds the decayed rate) was written.
            Assert.Throws<OperationCanceledException>(() => new Trainer(Options(dir), TrainingProgress.Silent)
                .Fit(first, data, null, new FailingObjective(failAtStep: 2 * 6 + 3), "r"));
        }
        Assert.Equal(2, Checkpoint.ReadState(dir)!.Epoch);
        using var resumed = ModelCatalog.Create("cnn-student", 1);
        var rest = new Trainer(Options(dir), TrainingProgress.Silent).Fit(resumed, data, null, new SupervisedObjective(), "r");

        // Timings aside, every recorded number and every weight is the same to the bit.
        static (int, double, double, double) Numbers(EpochMetrics m) => (m.Epoch, m.LearningRate, m.TrainLoss, m.TrainAccuracy);
        Assert.Equal(full.Epochs.Select(Numbers), rest.Epochs.Select(Numbers));
        foreach (var (a, b) in straight.parameters().Zip(resumed.parameters()))
        {
            Assert.True(Same(a, b), "a resumed run ended with other weights than the uninterrupted one");
        }
    }

    [Fact]
    public void ACorruptedCheckpointIsRejectedNotLoaded()
    {
        using var data = Small(200);
        string dir = TestData.TempDirectory();
        using var model = ModelCatalog.Create("cnn-student", 1);
        new Trainer(Quick(dir), TrainingProgress.Silent).Fit(model, data, null, new SupervisedObjective(), "r");
        File.AppendAllText(Path.Combine(Checkpoint.Find(dir)!.Directory, "model.bin"), "x");
        var e = Assert.Throws<DataFormatException>(() => Checkpoint.ReadState(dir));
        Assert.Equal("SHA-256", e.Field);
    }

    [Fact]
    public void NaNLossStopsTrainingWithAMessageAndKeepsTheLastCheckpoint()
    {
        using var data = Small(300);
        string dir = TestData.TempDirectory();
        using var model = ModelCatalog.Create("cnn-student", 1);
        new Trainer(Quick(dir), TrainingProgress.Silent).Fit(model, data, null, new SupervisedObjective(), "r");
        string before = Checkpoint.ReadState(dir)!.ModelSha256;

        using var broken = ModelCatalog.Create("cnn-student", 1);
        var e = Assert.Throws<TrainingDivergedException>(() =>
            new Trainer(Quick(dir, epochs: 1) with { Resume = false }, TrainingProgress.Silent).Fit(broken, data, null, new NaNObjective(), "r"));
        Assert.Contains("NaN", e.Message);
        Assert.Equal(before, Checkpoint.ReadState(dir)!.ModelSha256);
    }

    [Fact]
    public void CachedTeacherLogitsFollowSampleIndicesNotBatchPositions()
    {
        using var data = Small(200);
        using var teacher = ModelCatalog.Create("cnn-student", 4);
        using var cache = TeacherLogitCache.Build(teacher, "t", data, 64);
        foreach (var batch in BatchLoader.Batches(data, 32, shuffle: true, seed: 3, epoch: 2))
        {
            using var scope = NewDisposeScope();
            teacher.eval();
            using var live = no_grad();
            Assert.True(allclose(cache.LogitsFor(batch), teacher.forward(batch.Inputs), rtol: 1e-4, atol: 1e-5));
        }
    }

    [Fact]
    public void CacheRefusesAnotherDatasetOrAugmentedInputs()
    {
        using var data = Small(200);
        using var other = Small(100);
        using var teacher = ModelCatalog.Create("cnn-student", 4);
        using var cache = TeacherLogitCache.Build(teacher, "t", data, 64);
        Assert.Throws<InvalidOperationException>(() => cache.CheckCompatible(other, null));
        Assert.Throws<InvalidOperationException>(() => cache.CheckCompatible(data, new RandomShift(2, 0)));
        cache.CheckCompatible(data, null);
    }

    [Fact]
    public void LiveTeacherIsFrozenInEvalModeAndRefusesTrainMode()
    {
        using var teacher = ModelCatalog.Create("cnn-teacher", 1);
        teacher.train();
        var live = new LiveTeacher(teacher, "t");
        Assert.False(teacher.training);
        Assert.All(teacher.parameters(), p => Assert.False(p.requires_grad));
        using var x = randn(4, 1, 28, 28);
        var batch = new Batch(x, zeros(4, dtype: ScalarType.Int64), arange(4));
        Assert.True(allclose(live.LogitsFor(batch), live.LogitsFor(batch))); // dropout off: deterministic
        teacher.train();
        Assert.Throws<InvalidOperationException>(() => live.LogitsFor(batch));
    }

    [Fact]
    public void DistillationTrainsAStudentWellAboveChance()
    {
        using var data = Small(1000);
        using var teacher = ModelCatalog.Create("cnn-teacher", 1);
        new Trainer(Quick(epochs: 2), TrainingProgress.Silent).Fit(teacher, data, null, new SupervisedObjective(), "t");
        using var cache = TeacherLogitCache.Build(teacher, "t", data, 64);
        using var student = ModelCatalog.Create("cnn-student", 2);
        var history = new Trainer(Quick(epochs: 2), TrainingProgress.Silent).Fit(student, data, data, new DistillationObjective(new KdLoss(0.5, 4), cache), "s");
        Assert.True(history.Last.TestAccuracy > 0.6, $"accuracy {history.Last.TestAccuracy}");
    }

    [Fact]
    public void RandomShiftMovesImagesAndIsReproducible()
    {
        var shift = new RandomShift(2, -1f);
        using var x = arange(2 * 28 * 28, dtype: ScalarType.Float32).view(2, 1, 28, 28);
        var a = shift.Apply(x, 11);
        Assert.True(Same(a, shift.Apply(x, 11)));
        Assert.False(Same(a, x) && Same(shift.Apply(x, 12), x));
        Assert.False(Same(a, shift.Apply(x, 12)));
        Assert.Equal(x.shape, a.shape);
    }

    private static bool Same(Tensor a, Tensor b) => a.eq(b).all().item<bool>();

    private sealed class FailingObjective(int failAtStep) : ITrainingObjective
    {
        private int steps;

        public string Description => "fails";

        public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("fails");

        public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation)
        {
        }

        public StepResult Step(Module<Tensor, Tensor> model, Batch batch)
        {
            if (++steps == failAtStep)
            {
                throw new OperationCanceledException("simulated interruption");
            }
            var logits = model.forward(batch.Inputs);
            return new StepResult(functional.cross_entropy(logits, batch.Labels), logits);
        }
    }

    private sealed class NaNObjective : ITrainingObjective
    {
        public string Description => "NaN";

        public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("NaN");

        public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation)
        {
        }

        public StepResult Step(Module<Tensor, Tensor> model, Batch batch)
        {
            var logits = model.forward(batch.Inputs);
            return new StepResult(functional.cross_entropy(logits, batch.Labels) * float.NaN, logits);
        }
    }
}
