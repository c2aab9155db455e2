using KdLabs.Data;
using KdLabs.Experiments;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>
/// Hinton et al. (2015)'s teacher regularisation: dropout on the input pixels and a max-norm cap on each hidden unit's
/// incoming weights, both for the MLPs, both off by default (so every existing key and number stays), neither for plain students.
/// </summary>
[Collection(TorchRngCollection.Name)]
public class HintonTeacherRegularisationTests
{
    [Fact]
    public void MaxNormScalesOnlyTheHiddenRowsLongerThanTheCap()
    {
        using var mlp = new Mlp(2, [2], 2);
        var layers = Layers(mlp);
        using (no_grad())
        {
            layers[0].weight!.copy_(tensor(new float[] { 3, 4, 0.3f, 0.4f }, 2, 2));
            layers[1].weight!.copy_(tensor(new float[] { 10, 0, 0, 10 }, 2, 2));
        }
        mlp.ApplyMaxNorm(1);
        // Row (3, 4) has norm 5 > 1: scaled by 1/5 to (0.6, 0.8). Row (0.3, 0.4) has norm 0.5 ≤ 1: untouched.
        Assert.Equal([0.6f, 0.8f, 0.3f, 0.4f], layers[0].weight!.data<float>().ToArray(), new FloatTolerance(1e-6f));
        // The output layer is not a hidden unit's incoming weights: left free.
        Assert.Equal([10f, 0, 0, 10], layers[1].weight!.data<float>().ToArray());
    }

    [Fact]
    public void TheTrainerKeepsEveryHiddenUnitInsideTheCapAfterEveryStepAndOnlyWhenAsked()
    {
        using var data = MnistDataset.Load(train: true, TestData.MnistDirectory, 200);
        // PyTorch's default init gives 784-input rows a norm near 0.58, so a cap of 0.3 binds from the first step.
        var options = new TrainerOptions { Epochs = 1, BatchSize = 50, Seed = 3, LearningRate = 1e-2 };
        using var free = ModelCatalog.Create("mlp-student", 5);
        using var capped = ModelCatalog.Create("mlp-student", 5);
        new Trainer(options, TrainingProgress.Silent).Fit(free, data, null, new SupervisedObjective(), "free");
        new Trainer(options with { MaxNorm = 0.3 }, TrainingProgress.Silent).Fit(capped, data, null, new SupervisedObjective(), "capped");
        var hiddenFree = HiddenRowNorms(free);
        var hiddenCapped = HiddenRowNorms(capped);
        Assert.True(hiddenFree.Max() > 0.5, $"without the cap the rows keep their length ({hiddenFree.Max()})");
        // Checked after the last step: a cap applied before the step, or once at the start, leaves rows longer than it.
        Assert.True(hiddenCapped.Max() <= 0.3 + 1e-5, $"a hidden row is longer than the cap: {hiddenCapped.Max()}");
    }

    [Fact]
    public void TheTrainerRefusesMaxNormForAModelThatCannotApplyIt()
    {
        using var data = MnistDataset.Load(train: true, TestData.MnistDirectory, 50);
        using var cnn = ModelCatalog.Create("cnn-student", 1);
        var e = Assert.Throws<ArgumentException>(() =>
            new Trainer(new TrainerOptions { Epochs = 1, MaxNorm = 3 }, TrainingProgress.Silent).Fit(cnn, data, null, new SupervisedObjective(), "cnn"));
        Assert.Contains("MaxNorm", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(1e308)]
    public void AMaxNormOutsideItsRangeIsRefusedNamingIt(double value)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new TrainerOptions { MaxNorm = value }.Validate());
        Assert.Equal("MaxNorm", e.ParamName);
    }

    [Fact]
    public void MaxNormEntersTheKeysOnlyWhenSet()
    {
        var plain = new TrainerOptions();
        // Unset, the trainer's identity and fingerprint are what they were before the setting existed: cached teachers stay found.
        Assert.DoesNotContain("MaxNorm", plain.RunIdentity().ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("MaxNorm", plain.Fingerprint(), StringComparison.Ordinal);
        var capped = plain with { MaxNorm = 3.5 };
        Assert.NotEqual(RunKey.Canonical(plain.RunIdentity()), RunKey.Canonical(capped.RunIdentity()));
        Assert.NotEqual(RunKey.Canonical(capped.RunIdentity()), RunKey.Canonical((plain with { MaxNorm = 3.5001 }).RunIdentity()));
        Assert.NotEqual(plain.Fingerprint(), capped.Fingerprint());
    }

    [Fact]
    public void InputDropoutLeavesTheInitialWeightsAndTheEvaluationOutputAndDropsPixelsInTraining()
    {
        using var x = rand(4, 1, 28, 28);
        using var plain = ModelCatalog.Create("mlp-teacher", 7, 0.5);
        using var dropped = ModelCatalog.Create("mlp-teacher", 7, 0.5, inputDropout: 0.2);
        foreach (var (a, b) in plain.parameters().Zip(dropped.parameters()))
        {
            Assert.True(a.eq(b).all().item<bool>(), "input dropout draws nothing at build time, so the weights are those of the plain net");
        }
        plain.eval();
        dropped.eval();
        using (no_grad())
        {
            Assert.True(plain.forward(x).eq(dropped.forward(x)).all().item<bool>(), "in evaluation dropout passes inputs through");
        }
        // In training, with hidden dropout off, the only randomness is the input mask: two passes then differ.
        using var inputOnly = ModelCatalog.Create("mlp-student", 7, 0, inputDropout: 0.5);
        inputOnly.train();
        using (no_grad())
        {
            manual_seed(1);
            using var first = inputOnly.forward(x);
            using var second = inputOnly.forward(x);
            Assert.False(first.eq(second).all().item<bool>());
        }
        Assert.Throws<ArgumentException>(() => ModelCatalog.Create("cnn-teacher", 1, inputDropout: 0.2));
    }

    [Fact]
    public void PlainStudentsGetNeitherInputDropoutNorMaxNormWhileTheTeacherKeepsBoth()
    {
        var options = new MnistDistillationOptions { Family = "mlp", MlpDropout = 0.5, InputDropout = 0.2, MaxNorm = 3.5, Jitter = 2, PlainStudents = true };
        options.Validate();
        Assert.Equal(3.5, options.TeacherTrainer().MaxNorm);
        Assert.Null(options.StudentTrainer(1).MaxNorm);
        Assert.Equal(0, options.StudentInputDropout);
        var regularised = options with { PlainStudents = false };
        Assert.Equal(3.5, regularised.StudentTrainer(1).MaxNorm);
        Assert.Equal(0.2, regularised.StudentInputDropout);
        // The default lab has neither: its teacher's trainer settings are the ones every documented run used.
        Assert.Null(new MnistDistillationOptions().TeacherTrainer().MaxNorm);
        Assert.Equal(new MnistDistillationOptions().TeacherTrainer().Fingerprint(), (new MnistDistillationOptions() with { InputDropout = 0 }).TeacherTrainer().Fingerprint());
    }

    [Fact]
    public void TheTeacherSeedDefaultsToTheFirstStudentSeedAndOneSeedRunsCanShareTheTeacher()
    {
        var all = new MnistDistillationOptions { Lab = new() { Seeds = [1, 2, 3] } };
        var second = new MnistDistillationOptions { Lab = new() { Seeds = [2] }, TeacherSeed = 1 };
        Assert.Equal(1, all.TeacherTrainer().Seed);
        Assert.Equal(all.TeacherTrainer().Fingerprint(), second.TeacherTrainer().Fingerprint());
        Assert.Equal(2, second.StudentTrainer(2).Seed);
        Assert.Equal(2, new MnistDistillationOptions { Lab = new() { Seeds = [2] } }.TeacherTrainer().Seed);
        var e = Assert.ThrowsAny<ArgumentException>((all with { TeacherSeed = -1 }).Validate);
        Assert.Equal("TeacherSeed", e.ParamName);
    }

    [Theory]
    [InlineData("mlp", 1.0, null, "InputDropout")]
    [InlineData("mlp", -0.1, null, "InputDropout")]
    [InlineData("mlp", double.NaN, null, "InputDropout")]
    [InlineData("cnn", 0.2, null, "InputDropout")]
    [InlineData("cnn", 0.0, 3.0, "MaxNorm")]
    [InlineData("mlp", 0.0, -3.0, "MaxNorm")]
    public void ABadInputDropoutOrMaxNormIsRefusedNamingTheSetting(string family, double inputDropout, double? maxNorm, string setting)
    {
        var options = new MnistDistillationOptions { Family = family, InputDropout = inputDropout, MaxNorm = maxNorm };
        var e = Assert.ThrowsAny<ArgumentException>(options.Validate);
        Assert.Equal(setting, e.ParamName);
    }

    [Fact]
    public void TheTeachersKeyNamesInputDropoutOnlyWhenUsed()
    {
        using var data = new InMemoryDataset("d", zeros(4, 1, 28, 28), tensor(new long[] { 1, 0, 1, 0 }), MnistDataset.ClassNames);
        var trainer = new TrainerOptions();
        var before = TeacherStore.KeyFor("mlp-teacher", trainer, 0.5, data);
        Assert.Equal(before.ToJson(), TeacherStore.KeyFor("mlp-teacher", trainer, 0.5, data, inputDropout: 0).ToJson());
        Assert.DoesNotContain("InputDropout", before.ToJson(), StringComparison.Ordinal);
        Assert.NotEqual(before.Hash, TeacherStore.KeyFor("mlp-teacher", trainer, 0.5, data, inputDropout: 0.2).Hash);
    }

    [Fact]
    public void WithTheWholeTransferSetTheOmittedClassLabHoldsOutTheLastImagesForTheBiasAndTrainsOnAllTheRestButThatClass()
    {
        _ = TestData.MnistDirectory;
        // TransferSize unset (--transfer-size 0): smoke caps the training set at 2,000 and the bias fit at 500.
        using var lab = new MnistDistillationLab(new MnistDistillationOptions { OmitClass = 3, Lab = new() { Smoke = true, OutputDirectory = TestData.TempDirectory(), Seeds = [1] } },
            TrainingProgress.Silent, _ => { });
        lab.LoadData();
        var labels = lab.Train.LabelArray();
        Assert.Equal(2000, lab.Train.Count);
        Assert.Equal(500, lab.BiasFit!.Count);
        Assert.Equal(labels.Skip(1500), lab.BiasFit.LabelArray());
        Assert.Equal(labels.Take(1500).Where(l => l != 3), lab.Transfer.LabelArray());
        Assert.Same(lab.Test, lab.Evaluation);
    }

    private static TorchSharp.Modules.ModuleList<TorchSharp.Modules.Linear> Layers(nn.Module mlp) =>
        mlp.children().OfType<TorchSharp.Modules.ModuleList<TorchSharp.Modules.Linear>>().Single();

    private static float[] HiddenRowNorms(nn.Module<Tensor, Tensor> mlp)
    {
        var layers = Layers(mlp);
        using var scope = NewDisposeScope();
        return [.. Enumerable.Range(0, layers.Count - 1).SelectMany(i => layers[i].weight!.detach().norm(1, p: 2).data<float>().ToArray())];
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(float obj) => 0;
    }
}
