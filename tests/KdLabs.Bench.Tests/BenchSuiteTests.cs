using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Tests;

namespace KdLabs.Bench.Tests;

/// <summary>The suite end to end on a few MNIST images, its ratios from hand-made samples, and its result file.</summary>
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
            OneArenaProbe = () => { probes++; return new BenchProbeResult(150, 60, "ABC", "kit"); },
            ChildEnvironment = "stand-ins",
            PyTorchEval = (batch, images) => batch == 1 ? 40 : 100,
        };
        var r = BenchSuite.Run(train, test, options);

        Assert.Equal(2, r.Rounds.Count);
        Assert.Equal(6, probes);
        foreach (var x in r.Ratios)
        {
            // Each round's ratio is that round's numerator over that round's denominator, never the other way round,
            // and with two rounds the median is their mean.
            Assert.Equal(2, x.PerRound.Count);
            for (int i = 0; i < 2; i++)
            {
                Assert.Equal(r.Samples[x.Numerator][i] / r.Samples[x.Denominator][i], x.PerRound[i], 12);
            }
            Assert.Equal((x.PerRound[0] + x.PerRound[1]) / 2, x.Median, 12);
            Assert.Equal(Math.Min(x.PerRound[0], x.PerRound[1]), x.Min);
            Assert.Equal(Math.Max(x.PerRound[0], x.PerRound[1]), x.Max);
            var quiet = x.PerRound.Where((_, i) => !r.Rounds[i].Noisy).ToList();
            double? quietMean = quiet.Count == 0 ? null : quiet.Average();
            Assert.Equal(quietMean, x.QuietMedian);
        }
        var trainerBare = r.Ratios.Single(x => x.Name == "trainer/bare cnn-teacher");
        Assert.Equal(("train:kit:cnn-teacher", "train:bare:cnn-teacher"), (trainerBare.Numerator, trainerBare.Denominator));
        string[] expected = ["trainer/bare cnn-teacher", "trainer/bare cnn-student", "KD cached/no KD cnn-student", "teacher step/matmul ceiling",
            "eval batch 1/best", "eval batch 64/best", "eval batch 128/best", "allocator on/off eval 1,024", "one arena/default arenas eval 1,024", "fast CPU/default teacher training",
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
        Assert.Equal(0.5, r.Ratios.Single(x => x.Name == "one arena/default arenas eval 1,024").Median, 9);
        Assert.Equal("60.0", r.Facts["one arena: minor page faults per image at batch 1,024"]);
        Assert.Equal("stand-ins", r.Settings["child processes"]);
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
    public void ARatioIsTheMedianOfPerRoundRatiosNotTheRatioOfMediansAndItsQuietMedianSkipsNoisyRounds()
    {
        var samples = new Dictionary<string, List<double>>
        {
            // Per round: 100/200, 300/100, 200/400 = 0.5, 3, 0.5. The ratio of the medians would be 200/200 = 1.
            ["train:kit:cnn-teacher"] = [100, 300, 200],
            ["train:bare:cnn-teacher"] = [200, 100, 400],
            ["eval:64"] = [900, 1000, 800],
            ["eval:best:64"] = [1000, 1000, 1000],
            // No "train:bare:cnn-student" and no one-thread run: those ratios are left out, not NaN.
            ["train:kit:cnn-student"] = [500, 500, 500],
        };
        List<BenchRound> rounds = [new(1, 2.5, 2.5, 10, true), new(2, 0.5, 0.5, 10, false), new(3, 0.5, 0.5, 10, false)];
        var ratios = BenchSuite.Ratios(samples, rounds, new BenchSuiteOptions { Threads = 2, EvalBatchSizes = [64] });

        Assert.Equal(["trainer/bare cnn-teacher", "eval batch 64/best"], ratios.Select(x => x.Name));
        var trainer = ratios[0];
        Assert.Equal([0.5, 3.0, 0.5], trainer.PerRound);
        Assert.Equal(0.5, trainer.Median);
        Assert.Equal(1.75, trainer.QuietMedian); // rounds 2 and 3: (3 + 0.5) / 2
        Assert.Equal((0.5, 3.0), (trainer.Min, trainer.Max));
        Assert.Equal(0.98, trainer.Target);
        Assert.False(trainer.Met);
        var eval = ratios[1];
        Assert.Equal([0.9, 1.0, 0.8], eval.PerRound);
        Assert.Equal(0.9, eval.Median);
        Assert.Equal(0.9, eval.QuietMedian!.Value, 12); // (1.0 + 0.8) / 2
        Assert.True(eval.Met); // 0.9 >= 1 / 1.2

        var allNoisy = BenchSuite.Ratios(samples, rounds.Select(x => x with { Noisy = true }).ToList(), new BenchSuiteOptions { EvalBatchSizes = [64] });
        Assert.All(allNoisy, x => Assert.Null(x.QuietMedian));
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
}
