using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Methods;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Tests;

/// <summary>
/// The zoo's objectives: each equals its loss computed on the same batch outside the objective (the losses' own
/// hand-computed values are in ZooLossTests), and its gradients reach the student (and its adapters) but never the teacher.
/// </summary>
public class ZooObjectiveTests
{
    private static Batch NewBatch(int n = 4, int seed = 0)
    {
        var g = new Generator((ulong)seed + 11);
        return new Batch(randn(new long[] { n, 1, 28, 28 }, generator: g), randint(0, 10, new long[] { n }, generator: g), arange((long)n));
    }

    private static nn.Module<Tensor, Tensor> Teacher()
    {
        var t = ModelCatalog.Create("cnn-teacher", 21);
        t.eval();
        return t;
    }

    private static Dictionary<string, Tensor?> Grads(nn.Module model) => model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad);

    private static bool Nonzero(Tensor? grad) => grad is not null && grad.abs().sum().item<float>() > 0;

    [Fact]
    public void HintStageIsTheHintLossThroughTheRegressorAndTrainsOnlyUpToTheGuidedLayer()
    {
        using var scope = NewDisposeScope();
        var teacherModel = Teacher();
        var student = ModelCatalog.Create("cnn-student", 1);
        student.eval();
        var regressor = new HintRegressor(32, 64);
        var adapted = new AdaptedStudent(student, new Dictionary<string, Module<Tensor, Tensor>> { [HintObjective.RegressorName] = regressor });
        var batch = NewBatch();
        var loss = new HintObjective(new FeatureTeacher(teacherModel, "t"), "conv2", "conv2").Step(adapted, batch).Loss;

        var expected = ((IFeatureModel)teacherModel).ForwardWithFeatures(batch.Inputs)["conv2"].detach()
            .sub(regressor.forward(((IFeatureModel)student).ForwardWithFeatures(batch.Inputs)["conv2"])).pow(2).mean();
        Assert.Equal(expected.item<float>(), loss.item<float>(), 5);

        loss.backward();
        var g = Grads(adapted);
        Assert.True(Nonzero(g["student.conv1.weight"]));
        Assert.True(Nonzero(g["student.conv2.weight"]));
        Assert.True(Nonzero(g["adapters.hint.conv.weight"]));
        Assert.Null(g["student.fc1.weight"]);
        Assert.Null(g["student.fc2.weight"]);
        Assert.All(teacherModel.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void AttentionTransferIsCrossEntropyPlusTheAttentionLossAtEachLayer()
    {
        using var scope = NewDisposeScope();
        var teacherModel = Teacher();
        var student = ModelCatalog.Create("cnn-student", 2);
        student.eval();
        var batch = NewBatch();
        var at = new AttentionTransferLoss(1000);
        var result = new AttentionTransferObjective(at, new FeatureTeacher(teacherModel, "t"), ["conv1", "conv2"]).Step(student, batch);

        var s = ((IFeatureModel)student).ForwardWithFeatures(batch.Inputs);
        var t = ((IFeatureModel)teacherModel).ForwardWithFeatures(batch.Inputs);
        double attention = 0;
        foreach (var layer in new[] { "conv1", "conv2" })
        {
            var qs = AttentionTransferLoss.AttentionMap(s[layer]);
            var qt = AttentionTransferLoss.AttentionMap(t[layer]);
            attention += 1000 * (qs - qt).pow(2).mean().item<float>();
        }
        double ce = functional.cross_entropy(s.Logits, batch.Labels).item<float>();
        Assert.Equal(ce + attention, result.Loss.item<float>(), 4);
        Assert.True(attention > 0);

        result.Loss.backward();
        Assert.True(Nonzero(Grads(student)["conv1.weight"]));
        Assert.All(teacherModel.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void FspCropsTheLargerMapToItsCentre()
    {
        using var map = arange(16f).reshape(1, 1, 4, 4);
        using var like = zeros(1, 1, 2, 2);
        using var cropped = FspObjective.CropTo(map, like);
        Assert.Equal(new float[] { 5, 6, 9, 10 }, cropped.flatten().data<float>().ToArray());
        Assert.Same(map, FspObjective.CropTo(map, map));
        Assert.Throws<ArgumentException>(() => FspObjective.CropTo(zeros(1, 1, 5, 5), like));
    }

    [Fact]
    public void FspStageMatchesTheFlowMatricesOfConnectedStudentLayersAndTrainsTheConnectors()
    {
        using var scope = NewDisposeScope();
        var teacherModel = Teacher();
        var student = ModelCatalog.Create("cnn-student", 3);
        student.eval();
        var c1 = Conv2d(16, 32, 1);
        var c2 = Conv2d(32, 64, 1);
        var adapted = new AdaptedStudent(student, new Dictionary<string, Module<Tensor, Tensor>>
        {
            [FspObjective.ConnectorName("conv1")] = c1,
            [FspObjective.ConnectorName("conv2")] = c2,
        });
        var batch = NewBatch();
        var loss = new FspObjective(new FeatureTeacher(teacherModel, "t"), "conv1", "conv2").Step(adapted, batch).Loss;

        // By hand: G = F1 · F2ᵀ / (H·W) on the 24 × 24 centre, squared Frobenius distance, batch mean.
        Tensor Flow(Tensor f1, Tensor f2)
        {
            var a = f1[.., .., TensorIndex.Slice(1, 25), TensorIndex.Slice(1, 25)].reshape(4, f1.shape[1], 576);
            var b = f2.reshape(4, f2.shape[1], 576);
            return a.bmm(b.transpose(1, 2)) / 576;
        }
        var s = ((IFeatureModel)student).ForwardWithFeatures(batch.Inputs);
        var t = ((IFeatureModel)teacherModel).ForwardWithFeatures(batch.Inputs);
        var expected = (Flow(c1.forward(s["conv1"]), c2.forward(s["conv2"])) - Flow(t["conv1"], t["conv2"])).pow(2).sum() / 4;
        Assert.Equal(expected.item<float>(), loss.item<float>(), 3);

        loss.backward();
        var g = Grads(adapted);
        Assert.True(Nonzero(g["adapters.fsp_conv1.weight"]));
        Assert.True(Nonzero(g["adapters.fsp_conv2.weight"]));
        Assert.True(Nonzero(g["student.conv1.weight"]));
        Assert.All(teacherModel.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void DkdObjectiveIsCrossEntropyPlusTheRampedDkdTerm()
    {
        using var scope = NewDisposeScope();
        var student = ModelCatalog.Create("cnn-student", 4);
        student.eval();
        var batch = NewBatch();
        var teacherLogits = randn(4, 10) * 3;
        var cache = TeacherLogitCache.FromLogits(teacherLogits, "d", "t");
        var dkd = new DkdLoss(1, 8, 4);
        var objective = new DkdObjective(dkd, cache, warmupEpochs: 2);
        var logits = student.forward(batch.Inputs);
        double ce = functional.cross_entropy(logits, batch.Labels).item<float>();
        double term = dkd.Compute(logits, teacherLogits, batch.Labels).Total.item<float>();

        objective.StartEpoch(1, 10);
        Assert.Equal(ce + 0.5 * term, objective.Step(student, batch).Loss.item<float>(), 4);
        objective.StartEpoch(2, 10);
        var loss = objective.Step(student, batch).Loss;
        Assert.Equal(ce + term, loss.item<float>(), 4);
        loss.backward();
        Assert.True(Nonzero(Grads(student)["fc2.weight"]));
    }

    [Fact]
    public void AveragedTeachersAreTheKdLossWithTheEnsemblesAverageAsTarget()
    {
        using var scope = NewDisposeScope();
        var student = ModelCatalog.Create("cnn-student", 5);
        student.eval();
        var batch = NewBatch();
        var t1 = randn(4, 10) * 2;
        var t2 = randn(4, 10) * 2;
        var objective = MultiTeacherObjective.Average([TeacherLogitCache.FromLogits(t1, "d", "a"), TeacherLogitCache.FromLogits(t2, "d", "b")], new KdLoss(0.3, 4));
        var logits = student.forward(batch.Inputs);
        // Soft term by hand: p̄ = ½(softmax(t1/4) + softmax(t2/4)), 16·Σ p̄ log(p̄/q), batch mean.
        var pbar = (t1.div(4).softmax(1) + t2.div(4).softmax(1)) / 2;
        var soft = 16 * (pbar * (pbar.log() - logits.div(4).log_softmax(1))).sum() / 4;
        double expected = 0.3 * functional.cross_entropy(logits, batch.Labels).item<float>() + 0.7 * soft.item<float>();
        var loss = objective.Step(student, batch).Loss;
        Assert.Equal(expected, loss.item<float>(), 4);
        loss.backward();
        Assert.True(Nonzero(Grads(student)["conv1.weight"]));
    }

    [Fact]
    public void TheRandomTeacherIsFixedByEpochAndStepSoAResumedRunDrawsTheSameOnes()
    {
        using var scope = NewDisposeScope();
        var student = ModelCatalog.Create("cnn-student", 6);
        student.eval();
        var batch = NewBatch();
        var teachers = Enumerable.Range(0, 3).Select(k => (ITeacherSignal)TeacherLogitCache.FromLogits(randn(4, 10) * (k + 1), "d", $"t{k}")).ToList();
        var kd = new KdLoss(0.5, 4);
        var objective = MultiTeacherObjective.RandomPerBatch(teachers, kd, seed: 7);
        var logits = student.forward(batch.Inputs);
        const int steps = 5;
        objective.StartEpoch(2, steps);
        for (int i = 0; i < steps; i++)
        {
            int k = objective.TeacherFor(steps + i);
            double expected = kd.Compute(logits, teachers[k].LogitsFor(batch), batch.Labels).Total.item<float>();
            Assert.Equal(expected, objective.Step(student, batch).Loss.item<float>(), 4);
        }
        var draws = Enumerable.Range(0, 300).Select(s => objective.TeacherFor(s)).ToList();
        Assert.Equal(3, draws.Distinct().Count());
        Assert.Equal(draws, Enumerable.Range(0, 300).Select(s => MultiTeacherObjective.RandomPerBatch(teachers, kd, 7).TeacherFor(s)));
        Assert.NotEqual(draws, Enumerable.Range(0, 300).Select(s => MultiTeacherObjective.RandomPerBatch(teachers, kd, 8).TeacherFor(s)));
    }

    [Fact]
    public void MutualLearningTrainsEveryStudentOfTheCohortAndReportsTheFirst()
    {
        using var scope = NewDisposeScope();
        var a = ModelCatalog.Create("cnn-student", 7);
        var b = ModelCatalog.Create("cnn-student", 8);
        var cohort = new MutualLearningCohort([a, b]);
        cohort.eval();
        var batch = NewBatch();
        var result = new MutualLearningObjective().Step(cohort, batch);
        var la = a.forward(batch.Inputs);
        var lb = b.forward(batch.Inputs);
        Assert.True(result.Logits.allclose(la));
        Assert.Equal(DeepMutualLearningLoss.Compute([la, lb], batch.Labels).Total.item<float>(), result.Loss.item<float>(), 4);

        var before = new[] { a, b }.Select(m => m.parameters().First().detach().clone()).ToList();
        using var optimizer = optim.Adam(cohort.parameters(), 1e-2);
        result.Loss.backward();
        optimizer.step();
        Assert.False(a.parameters().First().equal(before[0]).all().item<bool>());
        Assert.False(b.parameters().First().equal(before[1]).all().item<bool>());
        Assert.Throws<ArgumentException>(() => new MutualLearningCohort([a]));
        Assert.Throws<ArgumentException>(() => new MutualLearningObjective().Step(a, batch));
        Assert.Throws<ArgumentException>(() => new MutualLearningObjective(3).Step(cohort, batch));
    }

    [Fact]
    public void MutualLearningRunsOfDifferentCohortSizesHaveDifferentRunKeys()
    {
        var plans = new[] { 2, 3 }.Select(k => new MutualLearningMethod(new() { CohortSize = k }))
            .Select(m => m.Plan(new MethodContext
            {
                Seed = 1, TeacherLogits = [], Teacher = null!, TeacherId = "none", InputShape = [1, 28, 28],
                StudentFactory = i => ModelCatalog.Create("mlp-student", 1 + i),
            }).Stages.Single().Objective.RunIdentity.ToJsonString())
            .ToList();
        Assert.NotEqual(plans[0], plans[1]);
    }
}
