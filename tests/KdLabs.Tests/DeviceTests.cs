using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>
/// Every tensor follows its inputs' device, checked on a machine without a GPU.
/// </summary>
/// <remarks>
/// Why libtorch's <c>meta</c> device: a meta tensor has a shape and a dtype but no data, and libtorch refuses to mix it
/// with a CPU tensor ("Expected all tensors to be on the same device, but found at least two devices, meta and cpu")
/// exactly as it refuses to mix a CUDA tensor with a CPU one; like CUDA it accepts 0-dimensional CPU scalars. So a loss
/// or objective that builds a mask, a one-hot, a <c>zeros</c> or a <c>tensor(...)</c> without <c>device:</c> passes on
/// the CPU but throws here, which is the failure a user would otherwise meet first on a GPU. Measured limits of meta in
/// libtorch 2.10 as TorchSharp 0.107 loads it: no kernels for <c>index_select</c>, <c>where</c> or convolutions, and no
/// <c>item()</c>; so losses and objectives run here on meta (with MLP models and live teachers), while the trainer,
/// batch loader and conv labs are covered by the smoke runs on CPU and by the GPU check script.
/// </remarks>
public sealed class DeviceTests
{
    private static readonly Device Meta = new(DeviceType.META);

    private static Tensor Logits(int n = 6, int classes = 10) => randn(n, classes).to(Meta);

    private static Tensor Labels(int n = 6) => tensor(new long[] { 0, 1, 2, 3, 4, 5 }.Take(n).ToArray()).to(Meta);

    private static void AssertMeta(Tensor t, string what) => Assert.True(t.device_type == DeviceType.META, $"{what} is on {t.device}, expected meta");

    [Fact]
    public void MixingMetaWithACpuTensorThrowsAsCudaWould()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.ThrowsAny<Exception>(() => Logits() + ones(10));
        Assert.Contains("same device", ex.Message);
    }

    [Fact]
    public void EveryLogitLossKeepsTheInputsDevice()
    {
        using var scope = NewDisposeScope();
        var s = Logits();
        var t = Logits();
        var y = Labels();
        var kd = new KdLoss(0.5, 4).Compute(s, t, y);
        AssertMeta(kd.Total, "KD");
        AssertMeta(KdLoss.WithDistillationWeight(0.25, 1).Compute(s, t, y).Total, "walk-through KD");
        AssertMeta(KlDivergence.FromLogits(t, s, 4), "KL");
        AssertMeta(JsDivergence.FromLogits(t, s, 2), "JS");
        AssertMeta(SymmetricKlDivergence.FromLogits(t, s, 2), "symmetric KL");
        var dkd = new DkdLoss(1, 8, 4).Compute(s, t, y);
        AssertMeta(dkd.Total, "DKD");
        AssertMeta(MultiTeacherTargets.DistillationLoss([t, Logits()], s, 4, [0.7, 0.3]), "multi-teacher");
        AssertMeta(DeepMutualLearningLoss.Compute([s, t, Logits()], y).Total, "mutual learning");
        foreach (var loss in Enum.GetValues<SoftLabelLoss>())
        {
            AssertMeta(SoftLabelObjective.Compute(t, s, loss, 2), $"soft-label {loss}");
        }
        AssertMeta(SoftTreeLoss.OneHot(y, 10), "one-hot");
    }

    [Fact]
    public void FeatureLossesKeepTheInputsDevice()
    {
        using var scope = NewDisposeScope();
        var s1 = randn(4, 8, 6, 6).to(Meta);
        var t1 = randn(4, 8, 6, 6).to(Meta);
        var s2 = randn(4, 16, 6, 6).to(Meta);
        var t2 = randn(4, 16, 6, 6).to(Meta);
        foreach (var form in Enum.GetValues<AttentionTransferForm>())
        {
            AssertMeta(new AttentionTransferLoss(1000, form).Compute([s1, s2], [t1, t2]), $"attention transfer {form}");
        }
        AssertMeta(FspLoss.Compute([(s1, s2)], [(t1, t2)]), "FSP");
        AssertMeta(HintLoss.Compute(t1, s1), "hint");
    }

    [Fact]
    public void SoftTreeRoutingLossAndPenaltyKeepTheInputsDevice()
    {
        using var scope = NewDisposeScope();
        var tree = new SoftTreeOptions { Depth = 3 }.CreateTree();
        tree.to(Meta);
        var x = randn(6, 1, 28, 28).to(Meta);
        var routing = tree.Route(x);
        AssertMeta(routing.MixtureLogProbabilities, "routing");
        foreach (var form in Enum.GetValues<SoftTreeLossForm>())
        {
            AssertMeta(new SoftTreeLoss(form).Compute(routing, Labels(), 10), $"soft-tree loss {form}");
            AssertMeta(new SoftTreeLoss(form).Compute(routing, SoftTargets.Probabilities(Logits(), 2)), $"soft-tree loss {form}, soft targets");
        }
        using var regularizer = new SoftTreeOptions { Depth = 3 }.CreateRegularizer();
        AssertMeta(regularizer.Compute(routing, updateAverages: false), "balance penalty");
    }

    [Fact]
    public void EveryLogitObjectiveStepsOnTheModelsDevice()
    {
        using var scope = NewDisposeScope();
        var student = Move(ModelCatalog.Create("mlp-student", 1));
        var teacher = Move(ModelCatalog.Create("mlp-student", 2));
        var live = new LiveTeacher(teacher, "teacher-on-meta");
        var batch = new Batch(randn(6, 1, 28, 28).to(Meta), Labels(), Labels());
        var objectives = new List<ITrainingObjective>
        {
            new SupervisedObjective(),
            new DistillationObjective(new KdLoss(0.5, 4), live),
            new DkdObjective(new DkdLoss(), live, warmupEpochs: 2),
            MultiTeacherObjective.Average([live, live], new KdLoss(0.5, 4)),
            MultiTeacherObjective.RandomPerBatch([live, live], new KdLoss(0.5, 4), seed: 3),
            new SoftLabelObjective(live, SoftLabelLoss.Js, 1),
        };
        foreach (var objective in objectives)
        {
            objective.StartEpoch(1, 10);
            var result = objective.Step(student, batch);
            AssertMeta(result.Loss, objective.Description);
            result.Loss.backward();
        }
        var cohort = Move(new MutualLearningCohort([ModelCatalog.Create("mlp-student", 3), ModelCatalog.Create("mlp-student", 4)]));
        AssertMeta(new MutualLearningObjective().Step(cohort, batch).Loss, "mutual learning objective");
        var tree = new SoftTreeOptions { Depth = 3 };
        var sdt = Move(tree.CreateTree());
        using var fromLabels = SoftTreeObjective.FromLabels(tree);
        AssertMeta(fromLabels.Step(sdt, batch).Loss, fromLabels.Description);
        using var fromTeacher = SoftTreeObjective.FromTeacher(tree with { HardLabelWeight = 0.3 }, live);
        AssertMeta(fromTeacher.Step(sdt, batch).Loss, fromTeacher.Description);
    }

    [Fact]
    public void DeviceNamesParseAndUnknownOnesAreRefused()
    {
        foreach (var ok in new[] { "auto", "cpu", "CUDA", "cuda:1", "mps", null })
        {
            ComputeDevice.Validate(ok);
        }
        var ex = Assert.Throws<ArgumentException>(() => ComputeDevice.Validate("gpu"));
        Assert.Contains("auto, cpu, cuda, cuda:N or mps", ex.Message);
        Assert.Throws<ArgumentException>(() => ComputeDevice.Validate("cuda:-1"));
        Assert.Throws<ArgumentException>(() => new Experiments.ZooOptions { Device = "tpu" }.Validate());
    }

    [Fact]
    public void AutoIsTheCpuHereAndCudaIsARefusalNamingTheBackend()
    {
        Assert.False(cuda.is_available(), "this test describes a machine without CUDA");
        var auto = ComputeDevice.Resolve("auto");
        Assert.Equal(DeviceType.CPU, auto.Device.type);
        Assert.Contains("auto: no CUDA device", auto.Describe());
        Assert.Contains("CPU-only", auto.Describe());
        Assert.Equal("device: cpu (requested)", ComputeDevice.Resolve("cpu").Describe());
        foreach (var asked in new[] { "cuda", "cuda:0", "cuda:3" })
        {
            var ex = Assert.Throws<ArgumentException>(() => ComputeDevice.Resolve(asked));
            Assert.Contains("TorchSharp-cuda-linux", ex.Message);
            Assert.DoesNotContain('\n', ex.Message);
        }
    }

    [Fact]
    public void DatasetsMoveOnceAndKeepTheirFingerprint()
    {
        using var data = new InMemoryDataset("d", randn(4, 3), tensor(new long[] { 1, 0, 1, 0 }), ["a", "b"]);
        Assert.Same(data, data.MoveTo(CPU));
        var fingerprint = data.Fingerprint;
        using var meta = data.MoveTo(Meta);
        Assert.Equal(DeviceType.META, meta.Features.device_type);
        Assert.Equal(DeviceType.META, meta.Labels.device_type);
        Assert.Equal(fingerprint, meta.Fingerprint);
    }

    [Fact]
    public void PredictorRefusesAModelOnAnotherDevice()
    {
        using var data = new InMemoryDataset("d", randn(4, 1, 28, 28), tensor(new long[] { 1, 0, 1, 0 }), MnistDataset.ClassNames);
        using var model = Move(ModelCatalog.Create("mlp-student", 1));
        var ex = Assert.Throws<ArgumentException>(() => Evaluation.Predictor.Logits(model, data));
        Assert.Contains("meta", ex.Message);
    }

    [Fact]
    public void CheckpointsSavedOnOneDeviceLoadOntoAModelOnAnother()
    {
        string dir = TestData.TempDirectory();
        using var source = ModelCatalog.Create("mlp-student", 5);
        Checkpoint.Save(dir, source, null, new CheckpointState(1, "f", "", []));
        using var target = ModelCatalog.Create("mlp-student", 6);
        target.to(Meta);
        Checkpoint.Load(dir, target);
        Assert.All(target.parameters(), p => Assert.Equal(DeviceType.META, p.device_type));
    }

    [Theory]
    [InlineData("distill", "mnist")]
    [InlineData("distill", "mnist", "--student", "sdt")]
    [InlineData("sweep", "mnist")]
    [InlineData("zoo", "mnist")]
    [InlineData("ssld", "mnist")]
    [InlineData("chest-xray", "--synthetic")]
    public void EveryLabCommandRefusesAnAbsentGpuWithOneLineAndExitTwo(params string[] command)
    {
        var (code, output) = CliRunner.Run([.. command, "--smoke", "--device", "cuda", "--out", TestData.TempDirectory()]);
        Assert.True(code == 2, output);
        var error = output.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal)).ToList();
        Assert.Single(error);
        Assert.Contains("CUDA is not available", error[0]);
        Assert.Contains("CPU-only", error[0]);
        Assert.DoesNotContain("epoch", output);
    }

    [Theory]
    [InlineData("cpu", "device: cpu (requested)")]
    [InlineData("auto", "device: cpu (auto: no CUDA device")]
    public void TheMnistLabRunsOnTheChosenDeviceAndSaysSo(string device, string expected)
    {
        string outDir = TestData.TempDirectory();
        var (code, output) = CliRunner.Run("distill", "mnist", "--smoke", "--train-limit", "256", "--test-limit", "128", "--device", device, "--out", outDir);
        Assert.True(code == 0, output);
        Assert.Contains(expected, output);
        string json = File.ReadAllText(Path.Combine(outDir, "results.json"));
        Assert.Contains($"\"Device\": \"{device}\"", json);
        Assert.Contains("TorchSharp 0.107.0, CPU", json);
    }

    private static T Move<T>(T module)
        where T : nn.Module
    {
        module.to(Meta);
        return module;
    }
}
