using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Losses;
using KdLabs.Methods;
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
/// libtorch 2.10 as TorchSharp 0.107 loads it: no kernels for <c>index_select</c>, <c>where</c>, <c>relu</c>,
/// <c>abs</c> (so no <c>logsumexp</c>: DKD, the multi-teacher average, JS, attention transfer), <c>log_sigmoid</c> (the
/// soft tree) or convolutions, and no <c>item()</c>. So the losses and objectives that meta can run, run here (with
/// linear models and live teachers); everything else, the trainer and labs included, is held by
/// <see cref="DeviceSourceScanTests"/> (every tensor factory names its device) and by the smoke runs on CPU.
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

    /// <summary>Each loss, objective and model path that libtorch's meta device can run, by name.</summary>
    public static TheoryData<string> MetaCases() => [.. MetaRuns.Keys];

    private static readonly Dictionary<string, Func<Tensor>> MetaRuns = new()
    {
        ["KD"] = () => new KdLoss(0.5, 4).Compute(Logits(), Logits(), Labels()).Total,
        ["KD, walk-through weighting"] = () => KdLoss.WithDistillationWeight(0.25, 1).Compute(Logits(), Logits(), Labels()).Total,
        ["KL"] = () => KlDivergence.FromLogits(Logits(), Logits(), 4),
        ["symmetric KL"] = () => SymmetricKlDivergence.FromLogits(Logits(), Logits(), 2),
        ["deep mutual learning"] = () => DeepMutualLearningLoss.Compute([Logits(), Logits(), Logits()], Labels()).Total,
        ["soft-label soft CE"] = () => SoftLabelObjective.Compute(Logits(), Logits(), SoftLabelLoss.SoftCrossEntropy, 2),
        ["soft-label KL"] = () => SoftLabelObjective.Compute(Logits(), Logits(), SoftLabelLoss.Kl, 2),
        ["one-hot"] = () => SoftTreeLoss.OneHot(Labels(), 10),
        ["FSP"] = () => FspLoss.Compute([(Maps(8), Maps(16))], [(Maps(8), Maps(16))]),
        ["hint"] = () => HintLoss.Compute(Maps(8), Maps(8)),
        ["objective: supervised"] = () => Step(new SupervisedObjective()),
        ["objective: KD, live teacher"] = () => Step(new DistillationObjective(new KdLoss(0.5, 4), LiveLinearTeacher())),
        ["objective: multi-teacher random"] = () => Step(MultiTeacherObjective.RandomPerBatch([LiveLinearTeacher(), LiveLinearTeacher()], new KdLoss(0.5, 4), seed: 3)),
        ["objective: soft labels (KL)"] = () => Step(new SoftLabelObjective(LiveLinearTeacher(), SoftLabelLoss.Kl, 1)),
        ["objective: mutual learning"] = () => new MutualLearningObjective().Step(Move(new MutualLearningCohort([LinearModel(3), LinearModel(4)])), MetaBatch()).Loss,
    };

    [Theory]
    [MemberData(nameof(MetaCases))]
    public void LossesAndObjectivesKeepTheirInputsDevice(string name)
    {
        using var scope = NewDisposeScope();
        var result = MetaRuns[name]();
        AssertMeta(result, name);
        if (result.requires_grad)
        {
            result.backward();
        }
    }

    // A linear model: libtorch's meta device has no relu, so the kit's MLPs cannot run there.
    private static nn.Module<Tensor, Tensor> LinearModel(int seed)
    {
        manual_seed(seed);
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 10));
    }

    private static ITeacherSignal LiveLinearTeacher() => new LiveTeacher(Move(LinearModel(9)), "linear-teacher-on-meta");

    private static Batch MetaBatch() => new(randn(6, 1, 28, 28).to(Meta), Labels(), Labels());

    private static Tensor Step(ITrainingObjective objective)
    {
        objective.StartEpoch(1, 10);
        return objective.Step(Move(LinearModel(1)), MetaBatch()).Loss;
    }

    private static Tensor Maps(int channels) => randn(4, channels, 6, 6).to(Meta);

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
        Assert.Throws<ArgumentException>(() => new Experiments.ZooOptions { Lab = new() { Device = "tpu" } }.Validate());
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

    [Theory]
    [InlineData("distill", "mnist")]
    [InlineData("distill", "mnist", "--student", "sdt")]
    [InlineData("sweep", "mnist")]
    [InlineData("zoo", "mnist")]
    [InlineData("ssld", "mnist")]
    [InlineData("distill", "chest-xray", "--synthetic")]
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
