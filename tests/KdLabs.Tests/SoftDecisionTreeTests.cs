using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Plots;
using Plotly.NET;
using KdLabs.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KdLabs.Tests;

public sealed class SoftDecisionTreeTests
{
    private const double Tolerance = 1e-5;
    private static readonly double Ln2 = Math.Log(2);
    private static readonly double Ln3 = Math.Log(3);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    public void PathProbabilitiesOverLeavesSumToOne(int depth)
    {
        manual_seed(depth);
        using var scope = NewDisposeScope();
        var tree = new SoftDecisionTree(depth, inputFeatures: 20, classes: 4, betaInit: 3);
        var x = randn(50, 20) * 2;
        var routing = tree.Route(x);

        Assert.Equal([50L, 1L << depth], routing.PathProbabilities.shape);
        AssertAllClose(routing.PathProbabilities.sum(1), 1.0);
        // Every level of inner nodes is also a partition of the probability mass.
        for (int level = 0; level < depth; level++)
        {
            AssertAllClose(routing.InnerPathProbabilities.narrow(1, (1 << level) - 1, 1 << level).sum(1), 1.0);
        }
        AssertAllClose(tree.forward(x).exp().sum(1), 1.0);
    }

    [Fact]
    public void ForwardIsLogOfPathWeightedMixtureOfLeaves()
    {
        using var scope = NewDisposeScope();
        var tree = DepthOneTree();
        // P_left = 0.25, P_right = 0.75; Q_left = (.25, .25, .5), Q_right = (.5, .25, .25).
        var expected = new[] { 0.25 * 0.25 + 0.75 * 0.5, 0.25 * 0.25 + 0.75 * 0.25, 0.25 * 0.5 + 0.75 * 0.25 };
        var output = tree.forward(tensor(new float[] { (float)Ln3, 0 }).reshape(1, 2));
        AssertClose(expected.Select(p => Math.Log(p)).ToArray(), output);
    }

    [Fact]
    public void LossOnDepthOneTreeMatchesHandComputedValue()
    {
        using var scope = NewDisposeScope();
        var tree = DepthOneTree();
        var routing = tree.Route(tensor(new float[] { (float)Ln3, 0 }).reshape(1, 2));
        var oneHot = tensor(new float[] { 1, 0, 0 }).reshape(1, 3);
        var soft = tensor(new float[] { 0.5f, 0.5f, 0 }).reshape(1, 3);

        // Leaf cross-entropies with class 0: −ln .25 (left) and −ln .5 (right), weighted .25 and .75.
        AssertClose(0.25 * Math.Log(4) + 0.75 * Ln2, Expected().Compute(routing, oneHot));
        AssertClose(-Math.Log(0.25 * 0.25 + 0.75 * 0.5), Mixture().Compute(routing, oneHot));
        // Soft target (.5, .5, 0): leaf cross-entropies ln 4 and 1.5 ln 2.
        AssertClose(0.25 * 2 * Ln2 + 0.75 * 1.5 * Ln2, Expected().Compute(routing, soft));
        AssertClose(-Math.Log(0.25 * Math.Exp(-2 * Ln2) + 0.75 * Math.Exp(-1.5 * Ln2)), Mixture().Compute(routing, soft));
        // Integer labels give the one-hot value.
        AssertClose(0.25 * Math.Log(4) + 0.75 * Ln2, Expected().Compute(routing, tensor(new long[] { 0 }), 3));
    }

    [Fact]
    public void LossOnDepthTwoTreeMatchesHandComputedValue()
    {
        using var scope = NewDisposeScope();
        var tree = new SoftDecisionTree(2, inputFeatures: 2, classes: 2);
        // Root splits on x0, its left child on x1, its right child always goes right with .75.
        Set(tree.Filters, 1, 0, 0, 1, 0, 0);
        Set(tree.Biases, 0, 0, (float)Ln3);
        Set(tree.LogBeta, 0);
        // Q = (.5, .5), (.75, .25), (.25, .75), (.9, .1).
        Set(tree.LeafLogits, 0, 0, (float)Ln3, 0, 0, (float)Ln3, (float)Math.Log(9), 0);
        var x = tensor(new float[] { (float)Ln3, (float)-Ln3, 0, 0 }).reshape(2, 2);
        var routing = tree.Route(x);

        // Sample 1: root right .75, node 1 right .25, node 2 right .75. Sample 2: .5, .5, .75.
        double[] p1 = [0.25 * 0.75, 0.25 * 0.25, 0.75 * 0.25, 0.75 * 0.75];
        double[] p2 = [0.5 * 0.5, 0.5 * 0.5, 0.5 * 0.25, 0.5 * 0.75];
        AssertClose(p1.Concat(p2).ToArray(), routing.PathProbabilities);
        double[] q0 = [0.5, 0.75, 0.25, 0.9];
        double[] q1 = [0.5, 0.25, 0.75, 0.1];
        // Labels: sample 1 is class 0, sample 2 class 1; the loss is the batch mean.
        double expected1 = -Enumerable.Range(0, 4).Sum(l => p1[l] * Math.Log(q0[l]));
        double expected2 = -Enumerable.Range(0, 4).Sum(l => p2[l] * Math.Log(q1[l]));
        var labels = tensor(new long[] { 0, 1 });
        AssertClose((expected1 + expected2) / 2, Expected().Compute(routing, labels, 2));
        double mixture1 = -Math.Log(Enumerable.Range(0, 4).Sum(l => p1[l] * q0[l]));
        double mixture2 = -Math.Log(Enumerable.Range(0, 4).Sum(l => p2[l] * q1[l]));
        AssertClose((mixture1 + mixture2) / 2, Mixture().Compute(routing, labels, 2));
    }

    [Fact]
    public void RegularizerIsAtItsMinimumLambdaDLn2ForPerfectlyBalancedSplits()
    {
        using var scope = NewDisposeScope();
        const double lambda = 0.3;
        // All filters zero: every node sends every input right with probability exactly ½.
        var flat = new SoftDecisionTree(3, inputFeatures: 5, classes: 2);
        using (no_grad())
        {
            flat.Filters.zero_();
            flat.Biases.zero_();
        }
        using var penalty = new SoftTreeRegularizer(lambda, 3);
        AssertClose(3 * lambda * Ln2, penalty.Compute(flat.Route(randn(16, 5))));
        Assert.Equal(3 * lambda * Ln2, penalty.Minimum, 12);

        // A sharp but balanced root: inputs x and −x go opposite ways, so α_root = ½ exactly.
        var sharp = new SoftDecisionTree(1, inputFeatures: 4, classes: 2, betaInit: 5);
        using (no_grad())
        {
            sharp.Biases.zero_();
        }
        var half = randn(8, 4);
        using var rootPenalty = new SoftTreeRegularizer(lambda, 1);
        AssertClose(lambda * Ln2, rootPenalty.Compute(sharp.Route(cat([half, -half], 0))));
    }

    [Fact]
    public void RegularizerOfUnbalancedSplitMatchesFormula()
    {
        using var scope = NewDisposeScope();
        var tree = new SoftDecisionTree(1, inputFeatures: 1, classes: 2);
        Set(tree.Filters, 0);
        Set(tree.Biases, (float)Ln3);
        Set(tree.LogBeta, 0);
        using var penalty = new SoftTreeRegularizer(0.5, 1);
        // α = .75 for every input: C = −λ·½(ln .75 + ln .25) > λ ln 2.
        AssertClose(-0.5 * 0.5 * (Math.Log(0.75) + Math.Log(0.25)), penalty.Compute(tree.Route(zeros(4, 1))));
    }

    [Fact]
    public void RegularizerKeepsRunningAveragesWithDepthDependentWindow()
    {
        using var scope = NewDisposeScope();
        using var penalty = new SoftTreeRegularizer(1.0, 2, rootWindow: 1);
        Assert.Equal(0.0, penalty.Decay(0));
        Assert.Equal(0.5, penalty.Decay(1));
        Assert.Equal(0.5, penalty.Decay(2));

        // Two samples; root α .6 then .2; node 1 reached .5 with right .9, then .1; node 2 reached .5, right .5.
        var reach = tensor(new float[] { 1, 0.5f, 0.5f, 1, 0.5f, 0.5f }).reshape(2, 3);
        penalty.Compute(Routing(reach, tensor(new float[] { 0.6f, 0.9f, 0.5f, 0.6f, 0.9f, 0.5f }).reshape(2, 3)));
        AssertClose([0.6, 0.9, 0.5], penalty.BalanceEstimates());

        var c = penalty.Compute(Routing(reach, tensor(new float[] { 0.2f, 0.1f, 0.5f, 0.2f, 0.1f, 0.5f }).reshape(2, 3)));
        // Node 1: Σ P·p averaged (.5·.45 → .225, then .5·.225 + .5·.05) over Σ P averaged (.25, then .375).
        double node1 = (0.5 * 0.225 + 0.5 * 0.05) / (0.5 * 0.25 + 0.5 * 0.5);
        AssertClose([0.2, node1, 0.5], penalty.BalanceEstimates());
        static double Term(double a) => -0.5 * (Math.Log(a) + Math.Log(1 - a));
        AssertClose(Term(0.2) + 0.5 * (Term(node1) + Term(0.5)), c);

        // Evaluation passes read the averages without moving them.
        penalty.Compute(Routing(reach, full(2, 3, 0.99f)), updateAverages: false);
        AssertClose([0.2, node1, 0.5], penalty.BalanceEstimates());
    }

    [Fact]
    public void RegularizerGradientFlowsThroughTheCurrentBatchsShareOfTheRunningAverage()
    {
        using var scope = NewDisposeScope();
        using var penalty = new SoftTreeRegularizer(1.0, 1, rootWindow: 4);
        penalty.Compute(Routing(ones(2, 1), full(2, 1, 0.5f)));
        // Decay .75: running Σ P·p = .75·(.25·.5) + .25·mean(p), running Σ P = .75·(.25·1) + .25·1.
        var right = full(2, 1, 0.7f).requires_grad_();
        penalty.Compute(Routing(ones(2, 1), right)).backward();
        double reached = 0.75 * 0.25 + 0.25;
        double alpha = (0.75 * 0.125 + 0.25 * 0.7) / reached;
        // dC/dα = −½(1/α − 1/(1 − α)); each p_x moves the running Σ P·p by .25/N.
        double expected = -0.5 * (1 / alpha - 1 / (1 - alpha)) * (0.25 / 2) / reached;
        AssertClose([expected, expected], right.grad!);
    }

    [Fact]
    public void RegularizerWithoutRunningAverageUsesEachBatchAlone()
    {
        using var scope = NewDisposeScope();
        using var penalty = new SoftTreeRegularizer(1.0, 2);
        Assert.Equal(0.0, penalty.Decay(2));
        penalty.Compute(Routing(ones(2, 3), full(2, 3, 0.9f)));
        penalty.Compute(Routing(ones(2, 3), full(2, 3, 0.2f)));
        AssertClose([0.2, 0.2, 0.2], penalty.BalanceEstimates());
    }

    [Fact]
    public void RegularizerClampsAlphaSoAnUnreachedNodeCannotExplode()
    {
        using var scope = NewDisposeScope();
        using var penalty = new SoftTreeRegularizer(1.0, 1);
        var right = zeros(3, 1).requires_grad_();
        var c = penalty.Compute(Routing(ones(3, 1), right));
        // α = 0 is clamped to .01: C = −½(ln .01 + ln .99), finite.
        AssertClose(-0.5 * (Math.Log(0.01) + Math.Log(0.99)), c);
    }

    [Fact]
    public void GradientsReachEveryFilterBiasLeafAndBeta()
    {
        manual_seed(7);
        using var scope = NewDisposeScope();
        var tree = new SoftDecisionTree(4, inputFeatures: 30, classes: 5);
        var x = randn(64, 30);
        var labels = randint(0, 5, [64]);
        var routing = tree.Route(x);
        using var penalty = new SoftTreeRegularizer(0.1, 4);
        (Expected().Compute(routing, labels, 5) + penalty.Compute(routing)).backward();

        Assert.All(RowNorms(tree.Filters.grad!), n => Assert.True(n > 0, "an inner node's filter got no gradient"));
        Assert.All(Values(tree.Biases.grad!.abs()), g => Assert.True(g > 0, "an inner node's bias got no gradient"));
        Assert.All(RowNorms(tree.LeafLogits.grad!), n => Assert.True(n > 0, "a leaf got no gradient"));
        Assert.True(Math.Abs(tree.LogBeta.grad!.item<float>()) > 0, "β got no gradient");
    }

    [Fact]
    public void MaxLeafPredictionTakesTheMostProbableLeafNotTheMixture()
    {
        using var scope = NewDisposeScope();
        var tree = new SoftDecisionTree(1, inputFeatures: 1, classes: 2);
        Set(tree.Filters, 1);
        Set(tree.Biases, 0);
        Set(tree.LogBeta, 0);
        // Left leaf: almost surely class 1; right leaf: class 0 with .6. P_right = .6.
        Set(tree.LeafLogits, 0, 10, (float)Math.Log(0.6), (float)Math.Log(0.4));
        var x = tensor(new float[] { (float)Math.Log(1.5) }).reshape(1, 1);

        Assert.Equal(0, tree.PredictMaxLeaf(x).item<long>());
        // The mixture puts .4·1 + .6·.4 = .64 on class 1.
        Assert.Equal(1, tree.PredictMixture(x).item<long>());
        tree.Prediction = SoftTreePrediction.MaxLeaf;
        AssertClose([Math.Log(0.6), Math.Log(0.4)], tree.forward(x));
    }

    [Fact]
    public void MaxLeafPredictionAgreesWithAManualSearchOverLeaves()
    {
        manual_seed(3);
        using var scope = NewDisposeScope();
        var tree = new SoftDecisionTree(4, inputFeatures: 10, classes: 6, betaInit: 2);
        var x = randn(40, 10);
        var paths = tree.Route(x).PathProbabilities.detach();
        var leafClass = Values(tree.LeafLogits.detach().argmax(1));
        var predicted = tree.PredictMaxLeaf(x).data<long>().ToArray();
        for (int i = 0; i < 40; i++)
        {
            var row = Values(paths[i]);
            int best = Array.IndexOf(row, row.Max());
            Assert.Equal((long)leafClass[best], predicted[i]);
        }
    }

    [Fact]
    public void DistillationMixesSoftAndHardTermsAndAddsThePenalty()
    {
        manual_seed(5);
        using var scope = NewDisposeScope();
        var tree = new SoftDecisionTree(2, inputFeatures: 6, classes: 3);
        var batch = new Batch(randn(4, 6), tensor(new long[] { 0, 1, 2, 1 }), tensor(new long[] { 0, 1, 2, 3 }));
        var teacherLogits = randn(4, 3);
        using var objective = new SoftTreeObjective(Expected(), new SoftTreeRegularizer(0.2, 2), new FixedTeacher(teacherLogits),
            temperature: 2, hardLabelWeight: 0.25);
        var loss = objective.Step(tree, batch).Loss.item<float>();

        var routing = tree.Route(batch.Inputs);
        using var penalty = new SoftTreeRegularizer(0.2, 2);
        double soft = Expected().Compute(routing, SoftTargets.Probabilities(teacherLogits, 2)).item<float>();
        double hard = Expected().Compute(routing, batch.Labels, 3).item<float>();
        double c = penalty.Compute(routing).item<float>();
        Assert.Equal(0.75 * soft + 0.25 * hard + c, loss, 5);
    }

    [Fact]
    public void PlotsDrawTopFourLevelsOfFiltersLeavesAndTheGreedyPath()
    {
        manual_seed(2);
        using var scope = NewDisposeScope();
        var tree = new SoftDecisionTree(5, inputFeatures: 784, classes: 10);
        string filters = GenericChart.toChartHTML(SoftTreePlots.Filters(tree));
        Assert.Contains("node 14", filters);
        Assert.DoesNotContain("node 15", filters);
        Assert.Contains("Leaf 3", GenericChart.toChartHTML(SoftTreePlots.LeafDistribution(tree, 3, MnistDataset.ClassNames)));
        Assert.Contains("Leaf class distributions", GenericChart.toChartHTML(SoftTreePlots.LeafDistributions(tree, MnistDataset.ClassNames)));

        var digit = randn(1, 1, 28, 28);
        var (steps, leaf) = tree.GreedyPath(digit);
        Assert.Equal(5, steps.Count);
        Assert.Equal(0, steps[0].Node);
        Assert.Equal(1.0, steps[0].ReachProbability, 6);
        for (int i = 1; i < steps.Count; i++)
        {
            Assert.Equal(2 * steps[i - 1].Node + (steps[i - 1].GoesRight ? 2 : 1), steps[i].Node);
            double branch = steps[i - 1].GoesRight ? steps[i - 1].RightProbability : 1 - steps[i - 1].RightProbability;
            Assert.Equal(steps[i - 1].ReachProbability * branch, steps[i].ReachProbability, 5);
        }
        Assert.Contains($"leaf {leaf}", GenericChart.toChartHTML(SoftTreePlots.DigitPath(tree, digit, MnistDataset.ClassNames)));
    }

    [Fact]
    public void DepthEightTreeHasThePaperSizedParameterCount()
    {
        var tree = new SoftTreeOptions().CreateTree();
        Assert.Equal(255 * 784 + 255 + 256 * 10 + 1, tree.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void ShortTrainingOn2000MnistImagesBeatsChanceByFar()
    {
        MnistFiles.EnsurePresent(MnistFiles.DefaultDirectory);
        using var train = MnistDataset.Load(train: true, limit: 2000);
        using var test = MnistDataset.Load(train: false, limit: 1000);
        var options = new SoftTreeOptions { Depth = 4, Epochs = 10, LearningRate = 3e-3, BatchSize = 64 };
        var tree = options.CreateTree();
        using var objective = SoftTreeObjective.FromLabels(options);
        var history = new Trainer(options.ApplyTo(), new LineTrainingProgress(TextWriter.Null)).Fit(tree, train, test, objective, "sdt-test");

        Assert.True(history.Epochs[^1].TestAccuracy > 0.75, $"mixture test accuracy {history.Epochs[^1].TestAccuracy:P1}");
        using var predicted = tree.PredictMaxLeaf(test.Features);
        double maxLeaf = predicted.eq(test.Labels).to_type(ScalarType.Float64).mean().item<double>();
        Assert.True(maxLeaf > 0.7, $"max-leaf test accuracy {maxLeaf:P1}");
    }

    private static SoftTreeLoss Expected() => new(SoftTreeLossForm.ExpectedCrossEntropy);

    private static SoftTreeLoss Mixture() => new(SoftTreeLossForm.MixtureLikelihood);

    /// <summary>Depth 1 over 2 features, 3 classes: p_root = σ(x0); Q_left = (.25, .25, .5), Q_right = (.5, .25, .25).</summary>
    private static SoftDecisionTree DepthOneTree()
    {
        var tree = new SoftDecisionTree(1, inputFeatures: 2, classes: 3);
        Set(tree.Filters, 1, 0);
        Set(tree.Biases, 0);
        Set(tree.LogBeta, 0);
        Set(tree.LeafLogits, 0, 0, (float)Ln2, (float)Ln2, 0, 0);
        return tree;
    }

    private static SoftTreeRouting Routing(Tensor reach, Tensor right) =>
        new(zeros(reach.shape[0], reach.shape[1] + 1), reach, right, zeros(reach.shape[1] + 1, 2));

    private static void Set(Parameter parameter, params float[] values)
    {
        using var noGrad = no_grad();
        using var source = tensor(values).reshape(parameter.shape);
        parameter.copy_(source);
    }

    private static double[] Values(Tensor t)
    {
        using var d = t.detach().to_type(ScalarType.Float64).flatten();
        return d.data<double>().ToArray();
    }

    private static double[] RowNorms(Tensor t) => Values(t.norm(1));

    private static void AssertClose(double expected, Tensor actual) => Assert.Equal(expected, actual.item<float>(), Tolerance);

    private static void AssertClose(double[] expected, Tensor actual) => AssertClose(expected, Values(actual));

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < Tolerance, $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }

    private static void AssertAllClose(Tensor actual, double value) => Assert.All(Values(actual), v => Assert.Equal(value, v, Tolerance));

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
