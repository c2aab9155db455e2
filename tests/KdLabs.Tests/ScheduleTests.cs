using KdLabs.Training.Schedules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>Warmup-cosine values by hand (Python's math module) and layer-wise LR groups on real TorchSharp optimizers.</summary>
public class ScheduleTests
{
    private const double Tolerance = 1e-5;

    // base 0.1, 100 steps, 10 warmup steps from 0, floor 0.001. Python:
    // t < 10: 0.1·t/10; else 0.001 + 0.099·½(1 + cos(π·(t − 10)/90)).
    [Theory]
    [InlineData(0, 0.0)]
    [InlineData(5, 0.05)]
    [InlineData(10, 0.1)]
    [InlineData(32, 0.08610732011676324)]
    [InlineData(55, 0.0505)]
    [InlineData(99, 0.0010301540625547597)]
    [InlineData(100, 0.001)]
    [InlineData(150, 0.001)]
    public void WarmupCosineMatchesHandComputedValues(int step, double expected)
    {
        var schedule = new WarmupCosineSchedule(0.1, totalSteps: 100, warmupSteps: 10, finalLearningRate: 0.001);
        Assert.Equal(expected, schedule.LearningRateAt(step), 1e-12);
    }

    [Fact]
    public void WarmupCanStartFromAFraction()
    {
        // 0.1·(0.1 + 0.9·t/10): 0.01 at t = 0, 0.055 at t = 5, the base at t = 10.
        var schedule = new WarmupCosineSchedule(0.1, 100, 10, startFactor: 0.1);
        Assert.Equal(0.01, schedule.LearningRateAt(0), 1e-12);
        Assert.Equal(0.055, schedule.LearningRateAt(5), 1e-12);
        Assert.Equal(0.1, schedule.LearningRateAt(10), 1e-12);
        // No warmup: cosine from the base at step 0.
        Assert.Equal(0.1, new WarmupCosineSchedule(0.1, 100, 0).LearningRateAt(0), 1e-12);
    }

    [Fact]
    public void ScheduleIsMonotoneUpThenDown()
    {
        var schedule = new WarmupCosineSchedule(1.0, 50, 7, finalLearningRate: 0.01);
        var lrs = Enumerable.Range(0, 50).Select(schedule.LearningRateAt).ToArray();
        for (int t = 1; t <= 7; t++) Assert.True(lrs[t] > lrs[t - 1], $"warmup step {t}");
        for (int t = 8; t < 50; t++) Assert.True(lrs[t] < lrs[t - 1], $"decay step {t}");
        Assert.All(lrs, lr => Assert.InRange(lr, 0, 1.0));
    }

    [Theory]
    [InlineData(0.0, 100, 10, 0.0, 0.0)]
    [InlineData(0.1, 0, 0, 0.0, 0.0)]
    [InlineData(0.1, 100, 101, 0.0, 0.0)]
    [InlineData(0.1, 100, 10, 1.5, 0.0)]
    [InlineData(0.1, 100, 10, 0.0, 0.2)]
    public void ScheduleRejectsBadArguments(double lr, int total, int warmup, double start, double floor)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosineSchedule(lr, total, warmup, start, floor));
    }

    private static (Linear Backbone, Linear Head, LayerwiseLrMultipliers Stages) Model()
    {
        manual_seed(3);
        var backbone = nn.Linear(4, 3);
        var head = nn.Linear(3, 2);
        // Backbone weight at 0.1×, backbone bias at 0.1× without weight decay, head at 1×.
        var stages = new LayerwiseLrMultipliers([
            new LayerwiseStage([backbone.weight!], 0.1),
            new LayerwiseStage([backbone.bias!], 0.1, WeightDecay: 0),
            new LayerwiseStage(head.parameters().ToArray(), 1.0),
        ]);
        return (backbone, head, stages);
    }

    private static double WeightDecay(optim.Optimizer optimizer, int group) => optimizer.ParamGroups.ElementAt(group) switch
    {
        SGD.ParamGroup g => g.Options.weight_decay!.Value,
        AdamW.ParamGroup g => g.Options.weight_decay!.Value,
        var other => throw new InvalidOperationException(other.GetType().Name),
    };

    [Fact]
    public void SgdGroupsGetBaseTimesMultiplierAndKeepWeightDecayAndMomentum()
    {
        var (_, _, stages) = Model();
        using var sgd = stages.CreateSgd(0.1, momentum: 0.9, weightDecay: 5e-4);
        var groups = sgd.ParamGroups.Cast<SGD.ParamGroup>().ToArray();
        Assert.Equal([0.01, 0.01, 0.1], groups.Select(g => g.LearningRate), new ToleranceComparer(1e-12));
        Assert.Equal([5e-4, 0, 5e-4], groups.Select(g => g.Options.weight_decay!.Value));
        Assert.All(groups, g => Assert.Equal(0.9, g.Options.momentum!.Value));
    }

    [Fact]
    public void AdamWGroupsGetBaseTimesMultiplierAndKeepWeightDecay()
    {
        var (_, _, stages) = Model();
        using var adamw = stages.CreateAdamW(1e-3, weightDecay: 0.05);
        Assert.Equal([1e-4, 1e-4, 1e-3], adamw.ParamGroups.Select(g => g.LearningRate), new ToleranceComparer(1e-15));
        Assert.Equal([0.05, 0, 0.05], Enumerable.Range(0, 3).Select(i => WeightDecay(adamw, i)));
    }

    [Fact]
    public void ScheduleScalesEachGroupAndLeavesWeightDecayAlone()
    {
        var (_, _, stages) = Model();
        using var sgd = stages.CreateSgd(0.1, momentum: 0.9, weightDecay: 5e-4);
        var schedule = new WarmupCosineSchedule(0.1, 100, 10, finalLearningRate: 0.001);
        foreach (var (step, lr) in new[] { (0, 0.0), (5, 0.05), (55, 0.0505), (99, 0.0010301540625547597) })
        {
            Assert.Equal(lr, schedule.ApplyTo(sgd, step), 1e-12);
            Assert.Equal([lr * 0.1, lr * 0.1, lr], sgd.ParamGroups.Select(g => g.LearningRate), new ToleranceComparer(1e-12));
            Assert.Equal([5e-4, 0, 5e-4], Enumerable.Range(0, 3).Select(i => WeightDecay(sgd, i)));
        }
    }

    [Fact]
    public void SgdStepUsesEachGroupsLearningRateAndWeightDecay()
    {
        // With a zero loss gradient, one SGD step is p ← p − lr_g·wd_g·p.
        var (backbone, head, stages) = Model();
        using var sgd = stages.CreateSgd(0.1, weightDecay: 0.5);
        var w0 = backbone.weight!.detach().clone();
        var b0 = backbone.bias!.detach().clone();
        var h0 = head.weight!.detach().clone();
        ((backbone.weight!.sum() + backbone.bias!.sum() + head.weight!.sum() + head.bias!.sum()) * 0).backward();
        sgd.step();
        Assert.True(allclose(backbone.weight!, w0 * (1 - 0.01 * 0.5), rtol: 0, atol: Tolerance));
        Assert.True(allclose(backbone.bias!, b0, rtol: 0, atol: Tolerance));
        Assert.True(allclose(head.weight!, h0 * (1 - 0.1 * 0.5), rtol: 0, atol: Tolerance));
    }

    [Fact]
    public void TorchSharpConvenienceParamGroupDropsTheOptimizersWeightDecay()
    {
        // The pitfall LayerwiseLrMultipliers avoids: ParamGroup(params, lr: x) sets weight_decay = 0 and
        // momentum = 0 explicitly, so the optimizer's own values never reach the group.
        var layer = nn.Linear(2, 2);
        using var sgd = optim.SGD([new SGD.ParamGroup(layer.parameters(), lr: 0.01)], 0.1, momentum: 0.9, weight_decay: 5e-4);
        var g = sgd.ParamGroups.Cast<SGD.ParamGroup>().Single();
        Assert.Equal(0.0, g.Options.weight_decay!.Value);
        Assert.Equal(0.0, g.Options.momentum!.Value);
        // Options left null are inherited from the optimizer.
        using var inherited = optim.SGD([new SGD.ParamGroup(layer.parameters(), new SGD.Options { LearningRate = 0.01 })], 0.1, momentum: 0.9, weight_decay: 5e-4);
        var h = inherited.ParamGroups.Cast<SGD.ParamGroup>().Single();
        Assert.Equal(5e-4, h.Options.weight_decay!.Value);
        Assert.Equal(0.9, h.Options.momentum!.Value);
    }

    [Fact]
    public void LayerwiseRejectsRepeatedParametersAndBadMultipliers()
    {
        var layer = nn.Linear(2, 2);
        Assert.Throws<ArgumentException>(() => LayerwiseLrMultipliers.FromStages((layer.parameters(), 1.0), ([layer.weight!], 0.1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => LayerwiseLrMultipliers.FromStages((layer.parameters(), -1.0)));
        Assert.Throws<ArgumentException>(() => LayerwiseLrMultipliers.FromStages(([], 1.0)));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
