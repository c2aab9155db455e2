using KdLabs.Data;
using KdLabs.Experiments;
using KdLabs.Losses;
using KdLabs.Methods;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Tests;

/// <summary>
/// A loss written as a lambda (logit methods) or a class (feature methods) trains a student where the kit's own methods do: the
/// same lambda as the kit's KD loss gives the kit's KD student, a changed lambda is a new run, and a loss the trainer cannot use stops
/// with a message.
/// </summary>
[Collection(TorchRngCollection.Name)]
public class LearnerObjectiveTests
{
    // Lesson 02's KD loss, written the way the lesson writes it.
    private static LogitLoss KdByHand(double alpha, double temperature) => (s, t, y) =>
    {
        var logQ = functional.log_softmax(s / temperature, 1);
        var logP = functional.log_softmax(t / temperature, 1);
        var soft = functional.kl_div(logQ, logP, reduction: Reduction.Sum, log_target: true) / s.shape[0] * (temperature * temperature);
        return alpha * functional.cross_entropy(s, y) + (1 - alpha) * soft;
    };

    private static double MaxWeightDifference(nn.Module a, nn.Module b) =>
        a.parameters().Zip(b.parameters()).Max(p => (p.First - p.Second).abs().max().item<float>());

    [Fact]
    public void ALambdaWrittenLikeKdLossTrainsTheKitsKdStudent()
    {
        _ = TestData.MnistDirectory;
        using var lab = new MnistDistillationLab(MnistDistillationOptions.SmallTransferSet with { Lab = new() { Smoke = true, Seeds = [3], OutputDirectory = TestData.TempDirectory() } },
            TrainingProgress.Silent, _ => { });
        var options = lab.Options;
        var kit = lab.TrainDistilled();
        var mine = lab.TrainMethod(new LearnerLogitMethod("my KD", KdByHand(options.Kd.Alpha, options.Kd.Temperature)));
        Assert.Equal(1000, lab.Transfer.Count);
        Assert.True(MaxWeightDifference(kit.Model, mine.Model) < 1e-5, $"weights differ by {MaxWeightDifference(kit.Model, mine.Model)}");
        Assert.Equal(kit.History.Last.TestAccuracy, mine.History.Last.TestAccuracy, 3);
        Assert.Equal("student (my KD)", mine.History.RunName);
    }

    [Fact]
    public void TheRunIsIdentifiedByWhatTheLossDoes()
    {
        var teacher = new FixedTeacher();
        string Fingerprint(LogitLoss loss) => new LearnerLogitObjective("my KD", loss, teacher).BehaviourFingerprint;
        Assert.Equal(Fingerprint(KdByHand(0.5, 4)), Fingerprint(KdByHand(0.5, 4)));
        Assert.NotEqual(Fingerprint(KdByHand(0.5, 4)), Fingerprint(KdByHand(0.5, 8)));
        // Same value, different gradient: a detached student is a different loss.
        Assert.NotEqual(Fingerprint((s, t, y) => functional.cross_entropy(s, y)), Fingerprint((s, t, y) => functional.cross_entropy(s.detach(), y) + 0 * s.sum()));
        Assert.StartsWith("unprobed-", Fingerprint((s, t, y) => s.reshape(7, -1).sum()));
    }

    [Theory]
    [InlineData("not scalar", "not one number")]
    [InlineData("no gradient", "no gradient with respect to the student")]
    public void ALossTheTrainerCannotUseStopsTheFirstStepWithAMessage(string variant, string message)
    {
        using var scope = NewDisposeScope();
        LogitLoss loss = variant == "not scalar" ? (s, t, y) => (s - t).pow(2) : (s, t, y) => (s.detach() - t).pow(2).mean();
        var objective = new LearnerLogitObjective("my loss", loss, new FixedTeacher());
        var model = ModelCatalog.Create("cnn-student", 1);
        var batch = new Batch(randn(4, 1, 28, 28), randint(0, 10, [4]), arange(4L));
        var e = Assert.Throws<Infrastructure.UserErrorException>(() => objective.Step(model, batch));
        Assert.Contains(message, e.Message);
        Assert.Contains("my loss", e.Message);
    }

    private sealed class AtByHand : IFeatureLoss
    {
        public Tensor Compute(FeatureOutput student, FeatureOutput teacher, Tensor labels)
        {
            var at = zeros(1);
            foreach (var layer in new[] { "conv1", "conv2" })
            {
                var qs = AttentionTransferLoss.AttentionMap(student[layer]);
                var qt = AttentionTransferLoss.AttentionMap(teacher[layer].detach());
                at = at + (qs - qt).pow(2).mean();
            }
            return functional.cross_entropy(student.Logits, labels) + 1000 * at.squeeze();
        }
    }

    [Fact]
    public void AFeatureLossClassTrainsTheZoosAttentionTransferStudent()
    {
        _ = TestData.MnistDirectory;
        using var lab = new ZooLab(new ZooOptions { Lab = new() { Smoke = true, Seeds = [2], OutputDirectory = TestData.TempDirectory() }, Methods = ["at"] }, TrainingProgress.Silent, _ => { });
        var kit = lab.TrainMethod("at", 2);
        var mine = lab.TrainMethod(new LearnerFeatureMethod("my AT", new AtByHand()), 2);
        Assert.Equal("learner-my-at", mine.Row.Method);
        Assert.True(MaxWeightDifference(kit.Student, mine.Student) < 1e-4, $"weights differ by {MaxWeightDifference(kit.Student, mine.Student)}");
        // A feature loss is a run of its own each time: a second instance trains again rather than reusing the first's checkpoint.
        var again = lab.TrainMethod(new LearnerFeatureMethod("my AT", new AtByHand()), 2);
        Assert.NotNull(again.Row.PeakMemoryMb);
    }

    // FitNets' hint trained in one stage with the labels, as the lesson writes it: the regressor is the loss's own module.
    private sealed class HintByHand : IFeatureLoss
    {
        public HintRegressor Regressor { get; } = new(32, 64);

        public IReadOnlyList<Module<Tensor, Tensor>> Adapters => [Regressor];

        public Tensor Compute(FeatureOutput student, FeatureOutput teacher, Tensor labels) =>
            functional.cross_entropy(student.Logits, labels) + (Regressor.forward(student["conv2"]) - teacher["conv2"].detach()).pow(2).mean();
    }

    [Fact]
    public void AFeatureLossWithItsOwnRegressorTrainsItAlongsideTheStudent()
    {
        _ = TestData.MnistDirectory;
        using var lab = new ZooLab(new ZooOptions { Lab = new() { Smoke = true, Seeds = [2], OutputDirectory = TestData.TempDirectory() }, Methods = ["none"] }, TrainingProgress.Silent, _ => { });
        var hint = new HintByHand();
        using var before = hint.Regressor.parameters().First().detach().clone();
        var mine = lab.TrainMethod(new LearnerFeatureMethod("my hint", hint), 2);
        var plain = lab.TrainMethod("none", 2);
        // The optimizer saw the regressor: its weights moved, and the row counts it as training-only parameters.
        Assert.True((hint.Regressor.parameters().First() - before).abs().max().item<float>() > 1e-4, "the regressor was not trained");
        Assert.Equal(32 * 64 + 64, mine.Row.TrainingOnlyParameters);
        Assert.Equal(0, plain.Row.TrainingOnlyParameters);
        // The hint changed what the student learned (same initial weights and batches as the labels-only student).
        Assert.True(MaxWeightDifference(plain.Student, mine.Student) > 1e-4);
        Assert.Equal(plain.Student.parameters().Count(), mine.Student.parameters().Count());
    }

    private sealed class FixedTeacher : ITeacherSignal
    {
        public string Description => "fixed";
        public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("fixed");
        public Tensor LogitsFor(Batch batch) => zeros(batch.Size, 10);
        public void CheckCompatible(InMemoryDataset train, IBatchAugmentation? augmentation)
        {
        }
    }
}
