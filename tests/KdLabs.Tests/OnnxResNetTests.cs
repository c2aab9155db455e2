using Google.Protobuf;
using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Models;
using KdLabs.Training;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp.PyBridge;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>
/// Lesson 03's ImageNet teacher: ML.NET's ResNet18.onnx, fetched through NuGet and read by walking its graph, computes in
/// the kit's TorchSharp <see cref="ResNet18"/> the same 512 features as ONNX Runtime computes from the ONNX file itself.
/// </summary>
public sealed class OnnxResNetTests(ITestOutputHelper output)
{
    private const int Size = 224;

    [Fact]
    public void TheConvertedNetworkComputesOnnxRuntimesFeatures()
    {
        ImageNetResNet.Onnx.EnsurePresent(ImageNetResNet.OnnxPath);
        using var weights = OnnxResNet.Read(ImageNetResNet.OnnxPath);
        Assert.Equal(ImageNetResNet.StageBlocks, weights.StageBlocks);
        Assert.Equal(22 * 5, weights.StateDict.Count); // 22 convolutions, each with its batch norm's 4 tensors
        using var model = Load(weights.StateDict);
        using var session = new InferenceSession(ImageNetResNet.OnnxPath);

        // Inputs in the ONNX network's own convention (BGR, 0–255 minus the mean image): noise, and a smooth gradient.
        var generator = new Random(7);
        var noise = Enumerable.Range(0, 3 * Size * Size).Select(_ => (float)(generator.NextDouble() * 255 - 120)).ToArray();
        var ramp = Enumerable.Range(0, 3 * Size * Size).Select(i => (float)(i % Size + (i / Size) % Size) - 200f).ToArray();
        foreach (var input in new[] { noise, ramp })
        {
            using var x = tensor(input, [1, 3, Size, Size]);
            AssertSameFeatures(RunOnnx(session, input), model, x);
        }
    }

    [Fact]
    public void TheAdaptedConv1TakesTheKitsNormalisedGreyImages()
    {
        string path = ImageNetResNet.EnsureWeights();
        using var model = new ResNet18(1000, "teacher", ImageNetResNet.StageBlocks);
        var report = PretrainedWeights.LoadInto(model, path, excludePrefixes: ["fc."]);
        Assert.Equal(22 * 5, report.Loaded);
        model.eval();
        using var session = new InferenceSession(ImageNetResNet.OnnxPath);

        // A grey radiograph-like image p in [0, 1]: the kit repeats it into RGB and normalises it; the ONNX network sees
        // 255·(p − mean_c) in BGR order (ImageNet's per-channel mean in place of the mean image).
        var generator = new Random(3);
        var grey = Enumerable.Range(0, Size * Size).Select(i => (byte)Math.Clamp(128 + 90 * Math.Sin(i / 3000.0) + generator.Next(-20, 20), 0, 255)).ToArray();
        var norm = ImageNormalization.ImageNet;
        var bgr = new float[3 * Size * Size];
        for (int c = 0; c < 3; c++)
        {
            float mean = norm.Mean[2 - c];
            for (int i = 0; i < grey.Length; i++)
            {
                bgr[c * Size * Size + i] = 255f * (grey[i] / 255f - mean);
            }
        }
        using var x = norm.Apply(grey, 1, Size);
        AssertSameFeatures(RunOnnx(session, bgr), model, x);
    }

    [Fact]
    public void AGraphOfAnotherShapeIsAnErrorNamingTheNode()
    {
        ImageNetResNet.Onnx.EnsurePresent(ImageNetResNet.OnnxPath);
        var model = Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(ImageNetResNet.OnnxPath));
        // Cut the last residual connection: the walk must notice, not load a model that computes something else.
        model.Graph.Node.Last(n => n.OpType == "Add").OpType = "Sub";
        string cut = Path.Combine(TestData.TempDirectory(), "cut.onnx");
        File.WriteAllBytes(cut, model.ToByteArray());
        var e = Assert.Throws<DataFormatException>(() => OnnxResNet.Read(cut));
        Assert.Contains("Sub", e.Message);
        output.WriteLine(e.Message);

        string truncated = Path.Combine(TestData.TempDirectory(), "truncated.onnx");
        File.WriteAllBytes(truncated, File.ReadAllBytes(ImageNetResNet.OnnxPath)[..100_000]);
        var t = Assert.Throws<DataFormatException>(() => OnnxResNet.Read(truncated));
        Assert.Contains("not a readable ONNX model", t.Message);
    }

    [Fact]
    public void AFileWithAnotherChecksumIsRefused()
    {
        var wrong = ImageNetResNet.Onnx with { Sha256 = new string('0', 64) };
        string target = Path.Combine(TestData.TempDirectory(), "wrong.onnx");
        var e = Assert.Throws<DataFormatException>(() => wrong.EnsurePresent(target));
        Assert.Equal("SHA-256", e.Field);
        Assert.Contains(ImageNetResNet.Onnx.Sha256, e.Message);
        Assert.False(File.Exists(target), "a file that failed its check is not installed");
    }

    [Fact]
    public void AFrozenBackboneDoesNotChangeWhileTheHeadTrains()
    {
        manual_seed(5);
        using var model = new ResNet18(1000, "teacher", [1, 1, 1, 2]);
        model.ReplaceHead(2);
        model.FreezeBackbone();
        var before = model.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());
        using var data = new InMemoryDataset("frozen", randn(16, 3, 32, 32), tensor(Enumerable.Range(0, 16).Select(i => (long)(i % 2)).ToArray()), ["a", "b"]);
        new Trainer(new TrainerOptions { Epochs = 2, BatchSize = 8, LearningRate = 1e-2, Seed = 1 }).Fit(model, data, data, new SupervisedObjective(), "frozen");
        var after = model.state_dict();
        foreach (var (key, value) in before)
        {
            bool same = value.eq(after[key]).all().item<bool>();
            // Batch-norm statistics (running mean/var, batch counters) are fixed too: eval mode, not just no gradients.
            Assert.True(key.StartsWith("fc.", StringComparison.Ordinal) ? !same : same, $"{key} {(same ? "unchanged" : "changed")}");
        }
    }

    [Fact]
    public void TheImageNetTeacherNeedsASizeItComputesExactlyAtAndNoOtherWeights()
    {
        var imagenet = new KdLabs.Experiments.ChestXrayOptions { Synthetic = true, Pretrained = KdLabs.Experiments.ChestXrayTeacherStart.ImageNet };
        imagenet.Validate();
        (imagenet with { ImageSize = 64 }).Validate();
        var size = Assert.Throws<ArgumentOutOfRangeException>(() => (imagenet with { ImageSize = 100 }).Validate());
        Assert.Equal("ImageSize", size.ParamName);
        Assert.Contains("multiple of 32", size.Message);
        var both = Assert.Throws<ArgumentException>(() => (imagenet with { WeightsPath = "resnet18.pth" }).Validate());
        Assert.Equal("WeightsPath", both.ParamName);
        Assert.True(OnnxResNet.ExactImageSize(224) && OnnxResNet.ExactImageSize(32) && !OnnxResNet.ExactImageSize(48));
    }

    private void AssertSameFeatures(float[] expected, ResNet18 model, TorchSharp.torch.Tensor input)
    {
        using var features = model.Features(input);
        var actual = features.data<float>().ToArray();
        double maxDiff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        output.WriteLine($"max |feature| {expected.Max(Math.Abs):0.000}, max |difference| {maxDiff:0.0e0}");
        Assert.True(maxDiff <= 1e-4, $"features differ from ONNX Runtime's by up to {maxDiff:0.0e0}");
    }

    private static ResNet18 Load(Dictionary<string, TorchSharp.torch.Tensor> stateDict)
    {
        string path = Path.Combine(TestData.TempDirectory(), "converted.safetensors");
        Safetensors.SaveStateDict(path, stateDict);
        var model = new ResNet18(1000, "onnx", ImageNetResNet.StageBlocks);
        PretrainedWeights.LoadInto(model, path, excludePrefixes: ["fc."]);
        model.eval();
        return model;
    }

    private static float[] RunOnnx(InferenceSession session, float[] input)
    {
        var value = NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), new DenseTensor<float>(input, [1, 3, Size, Size]));
        using var results = session.Run([value]);
        return results.Single().AsEnumerable<float>().ToArray();
    }
}
