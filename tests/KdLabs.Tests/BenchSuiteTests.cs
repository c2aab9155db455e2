using KdLabs.Data;
using KdLabs.Experiments;
using KdLabs.Infrastructure;
using KdLabs.Models;
using static TorchSharp.torch;

namespace KdLabs.Tests;

[Collection(TorchRngCollection.Name)]
public class BenchSuiteTests
{
    [Fact]
    public void OneRunAnswersEveryRatioAsTheMedianOfPerRoundRatiosAndRendersThem()
    {
        using var train = MnistDataset.Load(train: true, TestData.MnistDirectory, 128);
        using var test = MnistDataset.Load(train: false, TestData.MnistDirectory, 128);
        int probes = 0;
        var options = new BenchSuiteOptions
        {
            TrainImages = 128, EvalImages = 128, Rounds = 2, Threads = 1, EvalBatchSizes = [1, 64, 128], MeasureFastCpu = true,
            // Stand-ins for the child processes: fixed rates, equal hashes.
            AllocatorProbe = on => { probes++; return new BenchProbeResult(on ? 300 : 100, on ? 2 : 200, "ABC", on ? "kit" : "defaults"); },
            PyTorchEval = (batch, images) => batch == 1 ? 40 : 100,
        };
        var r = BenchSuite.Run(train, test, options);

        Assert.Equal(2, r.Rounds.Count);
        Assert.Equal(4, probes);
        foreach (var x in r.Ratios)
        {
            Assert.Equal(2, x.PerRound.Count);
            Assert.InRange(x.Median, x.Min, x.Max);
        }
        string[] expected = ["trainer/bare cnn-teacher", "trainer/bare cnn-student", "KD cached/no KD cnn-student", "teacher step/matmul ceiling",
            "eval batch 1/best", "eval batch 64/best", "eval batch 128/best", "allocator on/off eval 1,024", "fast CPU/default teacher training",
            "rand_like mask/bernoulli_ mask", "kit/bare eval batch 1", "bare eval batch 1/bare batch 64", "PyTorch eval batch 1/batch 64",
            "kit/PyTorch eval batch 1", "kit/PyTorch eval batch 64"];
        Assert.All(expected, name => Assert.Contains(r.Ratios, x => x.Name == name));
        Assert.DoesNotContain(r.Ratios, x => x.Name.StartsWith("kit/PyTorch cnn-", StringComparison.Ordinal)); // no PyTorch training hook given
        Assert.Equal(0.4, r.Ratios.Single(x => x.Name == "PyTorch eval batch 1/batch 64").Median, 9);
        Assert.Equal(r.Samples["eval:1"][1] / 40, r.Ratios.Single(x => x.Name == "kit/PyTorch eval batch 1").PerRound[1], 9);
        // The batch-1 profile: every layer of the forward pass, in order, timed at both batch sizes.
        Assert.Equal(["conv1", "ReLU", "conv2", "ReLU", "max-pool", "fc1", "ReLU + fc2"], r.BatchOneLayers!.Select(l => l.Layer));
        Assert.All(r.BatchOneLayers!, l => Assert.True(l.MicrosecondsAtOne > 0 && l.MicrosecondsPerImageAt64 > 0, l.Layer));
        Assert.Equal((9216 * 128 + 128) * 4L, r.BatchOneLayers!.Single(l => l.Layer == "fc1").WeightBytes);
        Assert.Equal(3.0, r.Ratios.Single(x => x.Name == "allocator on/off eval 1,024").Median, 9);
        Assert.Equal("yes", r.Facts["logits bit-identical with and without the allocator settings"]);
        // In every round the best batch size scores exactly 1 and no batch size more.
        for (int i = 0; i < 2; i++)
        {
            var evalRatios = r.Ratios.Where(x => x.Name.StartsWith("eval batch", StringComparison.Ordinal)).Select(x => x.PerRound[i]).ToList();
            Assert.Equal(1.0, evalRatios.Max(), 12);
        }
        double flops = r.Samples["train:kit:cnn-teacher:gflops"][0] * 1e9 / r.Samples["train:kit:cnn-teacher"][0];
        Assert.Equal(3 * 2.0 * (26 * 26 * 32 * 9 + 24 * 24 * 64 * 32 * 9 + 9216 * 128 + 1280), flops, 1);
        Assert.Contains("logits at batch 128 bit-identical to batch 64", r.Facts.Keys);

        string path = BenchReport.Save(r, TestData.TempDirectory());
        var back = BenchReport.Load(path);
        Assert.Equal(r.Ratios.Select(x => x.Median), back.Ratios.Select(x => x.Median));
        string md = BenchReport.Markdown(back, "suite.json");
        Assert.All(expected, name => Assert.Contains($"| {name} |", md));
        Assert.Contains("Load average during the run", md);
        Assert.Contains("## Batch 1: where the time goes", md);
        Assert.Contains("| fc1 | ", md);
        Assert.Equal(r.BatchOneLayers!.Select(l => l.MicrosecondsAtOne), back.BatchOneLayers!.Select(l => l.MicrosecondsAtOne));
    }

    [Fact]
    public void ACorruptResultFileIsRejectedWithItsName()
    {
        string path = Path.Combine(TestData.TempDirectory(), "suite-20260101-000000.json");
        File.WriteAllText(path, "{ \"Ratios\": [ 1, ");
        var e = Assert.Throws<DataFormatException>(() => BenchReport.Load(path));
        Assert.Contains(path, e.Message);
    }

    private static BenchSuiteResult SmallResult() => new(
        "2026-01-01T00:00:00Z", "test machine", new Dictionary<string, string> { ["rounds"] = "1" },
        [new BenchRound(1, 0.5, 0.6, 10, false)],
        new Dictionary<string, IReadOnlyList<double>> { ["eval:64"] = [1000.0] },
        [new BenchRatio("eval batch 64/best", "best batch?", "eval:64", "eval:64", [1.0], 1, 1, 1, 1, null)],
        new Dictionary<string, string> { ["check"] = "yes" });

    /// <summary>
    /// Valid JSON without a field the page is rendered from used to load as null and fail in rendering as a bug (exit 70);
    /// it is bad data naming the file and the field.
    /// </summary>
    [Theory]
    [InlineData("StartedUtc")]
    [InlineData("Machine")]
    [InlineData("Settings")]
    [InlineData("Rounds")]
    [InlineData("Samples")]
    [InlineData("Ratios")]
    [InlineData("Facts")]
    [InlineData("Rounds[0]")]
    [InlineData("Samples.eval:64")]
    [InlineData("Ratios[0].Name")]
    [InlineData("Ratios[0].PerRound")]
    public void AResultWithARequiredFieldMissingIsRejectedNamingTheField(string field)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(SmallResult(), BenchReport.JsonOptions))!.AsObject();
        switch (field)
        {
            case "Rounds[0]":
                json["Rounds"]![0] = null;
                break;
            case "Samples.eval:64":
                json["Samples"]!["eval:64"] = null;
                break;
            case "Ratios[0].Name" or "Ratios[0].PerRound":
                json["Ratios"]![0]!.AsObject().Remove(field.Split('.')[1]);
                break;
            default:
                json.Remove(field);
                break;
        }
        string path = Path.Combine(TestData.TempDirectory(), "suite-20260101-000000.json");
        File.WriteAllText(path, json.ToJsonString());
        var e = Assert.Throws<DataFormatException>(() => BenchReport.Load(path));
        Assert.Equal(path, e.FilePath);
        Assert.Equal(field, e.Field);
        Assert.Contains("re-run `kdlabs bench`", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AWholeResultLoadsAndRendersAndAnEmptyRoundListIsRejected()
    {
        string path = BenchReport.Save(SmallResult(), TestData.TempDirectory());
        Assert.Contains("| eval batch 64/best |", BenchReport.Markdown(BenchReport.Load(path), "suite.json"), StringComparison.Ordinal);
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(SmallResult() with { Rounds = [] }, BenchReport.JsonOptions));
        Assert.Equal("Rounds", Assert.Throws<DataFormatException>(() => BenchReport.Load(path)).Field);
    }

    [Fact]
    public void TheFastCpuPathIsOptInAndComputesTheSameFunction()
    {
        Assert.False(FastCpu.Enabled && Environment.GetEnvironmentVariable("KDLABS_FAST_CPU") is null);
        using var x = MnistDataset.Load(train: false, TestData.MnistDirectory, 32);
        using var plain = ModelCatalog.Create("cnn-teacher", 3);
        bool before = FastCpu.Enabled;
        FastCpu.Enabled = true;
        nn.Module<Tensor, Tensor> fast;
        try
        {
            fast = ModelCatalog.Create("cnn-teacher", 3);
        }
        finally
        {
            FastCpu.Enabled = before;
        }
        using (fast)
        {
            var conv2 = fast.named_parameters().Single(p => p.name == "conv2.weight").parameter;
            Assert.Equal(1L, conv2.stride()[1]); // channels-last: C is the fastest-moving dimension
            Assert.NotEqual(1L, plain.named_parameters().Single(p => p.name == "conv2.weight").parameter.stride()[1]);
            plain.eval();
            fast.eval();
            using var noGrad = no_grad();
            using var a = plain.forward(x.Features);
            using var b = fast.forward(x.Features);
            Assert.True(a.allclose(b, rtol: 1e-4, atol: 1e-5), "the channels-last path must compute the same logits up to summation order");
        }
    }

    [Fact]
    public void TheCheapDropoutMaskKeepsAboutOneMinusPAndRescales()
    {
        manual_seed(5);
        using var x = ones(100_000);
        using var y = FastCpu.Dropout(x, 0.25, training: true);
        using var kept = y.ne(0).to_type(ScalarType.Float32).mean();
        Assert.InRange(kept.item<float>(), 0.74f, 0.76f);
        using var kept1 = y.masked_select(y.ne(0));
        Assert.Equal(1 / 0.75, kept1.mean().item<float>(), 4);
        using var z = FastCpu.Dropout(x, 0.25, training: false);
        using var same = z.eq(x).all();
        Assert.True(same.item<bool>());
    }
}
