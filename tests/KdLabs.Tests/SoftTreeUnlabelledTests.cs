using System.Text.Json;
using KdLabs.Data;
using KdLabs.Experiments;
using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>
/// Lesson 04's levers beyond T and w: unlabelled images in the distilled trees' transfer set (<c>--unlabelled</c>) and a
/// fixed inverse temperature (<c>--fixed-beta</c>, <c>--beta-init</c>).
/// </summary>
public sealed class SoftTreeUnlabelledTests
{
    [Fact]
    public void UnlabelledImagesAreTrainedOnTheSoftTargetsAloneAndLabelledOnesOnTheMixture()
    {
        manual_seed(7);
        using var scope = NewDisposeScope();
        var tree = new SoftDecisionTree(2, inputFeatures: 6, classes: 3);
        var features = randn(4, 6);
        var labels = tensor(new long[] { 0, 2, SoftTreeLabOptions.UnlabelledMark, SoftTreeLabOptions.UnlabelledMark });
        using var set = new InMemoryDataset("tiny+unlabelled", features.clone(), labels.clone(), ["a", "b", "c"]);
        var teacherLogits = randn(4, 3);
        using var objective = new SoftTreeObjective(new SoftTreeLoss(), new SoftTreeRegularizer(0.2, 2), new FixedTeacher(teacherLogits),
            temperature: 2, hardLabelWeight: 0.25);
        objective.Prepare(set, null);
        var batch = new Batch(features, labels, tensor(new long[] { 0, 1, 2, 3 }));
        double loss = objective.Step(tree, batch).Loss.item<float>();

        // Per image: s_i = the leaf cross-entropy against softmax(t_i/2), h_i = against the one-hot label.
        // Labelled images (0, 1) weigh 0.75·s + 0.25·h, unlabelled ones (2, 3) s alone; the batch mean of the four, plus C.
        var routing = tree.Route(features);
        var loss4 = new SoftTreeLoss();
        var s = Values(loss4.PerSample(routing, SoftTargets.Probabilities(teacherLogits, 2)));
        var h = Values(loss4.PerSample(routing, SoftTreeLoss.OneHot(tensor(new long[] { 0, 2, 0, 0 }), 3)));
        using var penalty = new SoftTreeRegularizer(0.2, 2);
        double c = penalty.Compute(routing).item<float>();
        double expected = (0.75 * s[0] + 0.25 * h[0] + 0.75 * s[1] + 0.25 * h[1] + s[2] + s[3]) / 4 + c;
        Assert.Equal(expected, loss, 5);
        // Not the labelled rule applied to every image, which would read a label for images 2 and 3.
        double everyImageLabelled = (0.75 * s.Sum() + 0.25 * h.Sum()) / 4 + c;
        Assert.True(Math.Abs(everyImageLabelled - loss) > 1e-4, $"{everyImageLabelled} vs {loss}");
    }

    [Fact]
    public void AHardLabelTreeRefusesATransferSetWithUnlabelledImages()
    {
        using var set = new InMemoryDataset("tiny+unlabelled", zeros(2, 6), tensor(new long[] { 1, SoftTreeLabOptions.UnlabelledMark }), ["a", "b"]);
        using var objective = SoftTreeObjective.FromLabels(new SoftTreeOptions { Depth = 2 });
        var e = Assert.Throws<InvalidOperationException>(() => objective.Prepare(set, null));
        Assert.Contains("unlabelled", e.Message);
    }

    [Fact]
    public void LabAppendsTheImagesAfterTheTrainLimitWithoutLabelsToTheDistilledTreesTransferSetOnly()
    {
        _ = TestData.MnistDirectory;
        string dir = TestData.TempDirectory();
        using var lab = new SoftTreeLab(new SoftTreeLabOptions { TrainLimit = 1000, Validation = 300, Unlabelled = 500, Lab = new() { Smoke = true, Seeds = [1], OutputDirectory = dir } },
            TrainingProgress.Silent, _ => { });
        lab.LoadData();
        Assert.Equal((700, 300, 1200), (lab.Train.Count, lab.Evaluation.Count, lab.Transfer.Count));
        long[] transferLabels = lab.Transfer.LabelArray();
        Assert.Equal(lab.Train.LabelArray(), transferLabels[..700]);
        Assert.All(transferLabels[700..], l => Assert.Equal(SoftTreeLabOptions.UnlabelledMark, l));

        // The unlabelled images are training images 1,000–1,499: after the trees' 700 and the 300 validation images.
        using var longer = new SoftTreeLab(new SoftTreeLabOptions { TrainLimit = 1500, Lab = new() { Smoke = true, Seeds = [1], OutputDirectory = dir } },
            TrainingProgress.Silent, _ => { });
        longer.LoadData();
        using var expected = longer.Train.Features.narrow(0, 1000, 500);
        using var actual = lab.Transfer.Features.narrow(0, 700, 500);
        Assert.True(actual.equal(expected).all().item<bool>());
        using var firstPart = lab.Transfer.Features.narrow(0, 0, 700);
        Assert.True(firstPart.equal(lab.Train.Features).all().item<bool>());
    }

    [Theory]
    [InlineData(null, 100, "TrainLimit")]
    [InlineData(15_000, 50_000, "at most 60,000")]
    [InlineData(15_000, -1, "between 0")]
    public void OptionsRefuseUnlabelledImagesThatDoNotExist(int? trainLimit, int unlabelled, string words)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new SoftTreeLabOptions { TrainLimit = trainLimit, Unlabelled = unlabelled }.Validate());
        Assert.Equal(nameof(SoftTreeLabOptions.Unlabelled), e.ParamName);
        Assert.Contains(words, e.Message);
    }

    [Fact]
    public void OptionsRefuseUnlabelledImagesWithoutDistilledTrees()
    {
        var e = Assert.Throws<ArgumentException>(() => new SoftTreeLabOptions { TrainLimit = 15_000, Unlabelled = 45_000, TrainDistilled = false }.Validate());
        Assert.Equal(nameof(SoftTreeLabOptions.Unlabelled), e.ParamName);
        new SoftTreeLabOptions { TrainLimit = 15_000, Unlabelled = 45_000 }.Validate();
    }

    [Fact]
    public void CliTrainsTheDistilledTreesOnUnlabelledImagesAndKeepsAFixedBetaFixed()
    {
        string outDir = TestData.TempDirectory();
        _ = TestData.MnistDirectory;
        var (code, output) = CliRunner.Run("distill", "mnist", "--student", "sdt", "--depth", "3", "--smoke", "--seeds", "1", "--train-limit", "1000",
            "--unlabelled", "500", "--fixed-beta", "--beta-init", "2.5", "--threads", "1", "--out", outDir);
        Assert.True(code == 0, output);
        Assert.Contains("500 unlabelled images", output);
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        Assert.Equal(500, json.RootElement.GetProperty("Unlabelled").GetInt32());
        Assert.False(json.RootElement.GetProperty("Tree").GetProperty("LearnBeta").GetBoolean());
        var runs = json.RootElement.GetProperty("Runs").EnumerateArray().ToList();
        Assert.Equal(2, runs.Count);
        // Trained for an epoch, both trees still have the β they started with.
        Assert.All(runs, r => Assert.Equal(2.5, r.GetProperty("Beta").GetDouble(), 5));
    }

    [Fact]
    public void CliRefusesUnlabelledImagesWithoutTheTreeStudent()
    {
        var (code, output) = CliRunner.Run("distill", "mnist", "--unlabelled", "500", "--smoke", "--out", TestData.TempDirectory());
        Assert.NotEqual(0, code);
        Assert.Contains("--unlabelled applies only with --student sdt", output);
    }

    private static double[] Values(Tensor t)
    {
        using var d = t.detach().to_type(ScalarType.Float64).flatten();
        return d.data<double>().ToArray();
    }

    private sealed class FixedTeacher(Tensor logits) : ITeacherSignal
    {
        public string Description => "fixed logits";

        public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("fixed logits");

        public Tensor LogitsFor(Batch batch) => logits.index_select(0, batch.Indices);

        public void CheckCompatible(InMemoryDataset train, IBatchAugmentation? augmentation)
        {
        }
    }
}
