using KdLabs.Infrastructure;
using KdLabs.Losses;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Tests;

/// <summary>Distillation loss against values computed by hand (Python's math module, see comments).</summary>
public class KdLossTests
{
    // Two samples, three classes. Student s, teacher t, labels y.
    private static Tensor Student() => tensor(new float[] { 1.0f, 2.0f, 0.5f, 0.0f, -1.0f, 3.0f }, [2, 3]).requires_grad_(true);
    private static Tensor Teacher() => tensor(new float[] { 2.0f, 0.0f, 1.0f, 0.5f, 0.5f, 2.5f }, [2, 3]);
    private static Tensor Labels() => tensor(new long[] { 1, 2 });

    // mean CE = 0.26512634393268697; mean KL(p_t || p_s) at T=1 = 0.4050834694590857,
    // at T=4 = 0.03642570104754597 (so T²·KL = 0.5828112167607356); reverse KL(p_s || p_t) at T=1 = 0.49585355917510393.
    [Theory]
    [InlineData(1.0, 1.0, 0.26512634393268697)]
    [InlineData(0.0, 1.0, 0.4050834694590857)]
    [InlineData(0.5, 1.0, 0.33510490669588633)]
    [InlineData(1.0, 4.0, 0.26512634393268697)]
    [InlineData(0.0, 4.0, 0.5828112167607356)]
    [InlineData(0.5, 4.0, 0.42396878034671126)]
    public void MatchesHandComputedValues(double alpha, double temperature, double expected)
    {
        var terms = new KdLoss(alpha, temperature).Compute(Student(), Teacher(), Labels());
        Assert.Equal(expected, terms.Total.item<float>(), 5);
    }

    [Fact]
    public void KlIsTeacherToStudentAveragedPerSampleNotPerElement()
    {
        var kl = KlDivergence.FromLogits(Teacher(), Student(), 1.0).item<float>();
        Assert.Equal(0.4050834694590857, kl, 5);
        Assert.NotEqual(0.49585355917510393, kl, 3); // the reverse direction
        Assert.NotEqual(0.4050834694590857 / 3, kl, 3); // 'mean' over all elements instead of batchmean
    }

    [Fact]
    public void KlDivOfTorchSharpIsUsedWithExplicitLogTarget()
    {
        // log_target: true is TorchSharp's default; passing probabilities instead of log-probabilities gives a wrong value.
        var logP = functional.log_softmax(Teacher(), 1);
        var logQ = functional.log_softmax(Student(), 1);
        Assert.Equal(0.4050834694590857, KlDivergence.BatchMean(logP, logQ).item<float>(), 5);
        var wrong = functional.kl_div(logQ, logP.exp(), reduction: Reduction.Sum) / 2;
        Assert.NotEqual(0.4050834694590857, wrong.item<float>(), 2);
    }

    [Fact]
    public void SoftTermGradientIsTTimesProbabilityGapOverBatch()
    {
        // d/ds [T² · KL(p_T || q_T)] / N = T (q_T − p_T) / N: the T² factor undoes the 1/T² shrinkage of soft gradients.
        foreach (double t in new[] { 1.0, 4.0, 20.0 })
        {
            var s = Student();
            var terms = new KdLoss(0.0, t).Compute(s, Teacher(), Labels());
            terms.Total.backward();
            var expected = (functional.softmax(s.detach() / t, 1) - functional.softmax(Teacher() / t, 1)) * (t / 2);
            Assert.True(allclose(s.grad!, expected, rtol: 1e-4, atol: 1e-6), $"T={t}");
        }
    }

    [Fact]
    public void SoftTermGradientMagnitudeStaysComparableAcrossTemperatures()
    {
        double Norm(double t)
        {
            var s = Student();
            new KdLoss(0.0, t).Compute(s, Teacher(), Labels()).Total.backward();
            return s.grad!.norm().item<float>();
        }
        double n8 = Norm(8), n16 = Norm(16);
        Assert.InRange(n8 / n16, 0.9, 1.1); // without T² the ratio would be about 4
    }

    [Fact]
    public void TeacherReceivesNoGradient()
    {
        var teacher = Teacher().requires_grad_(true);
        new KdLoss(0.5, 2).Compute(Student(), teacher, Labels()).Total.backward();
        Assert.Null(teacher.grad);
    }

    [Fact]
    public void DistillationWeightConventionIsOneMinusAlpha()
    {
        var a = new KdLoss(0.25, 3).Compute(Student(), Teacher(), Labels()).Total.item<float>();
        var b = KdLoss.WithDistillationWeight(0.75, 3).Compute(Student(), Teacher(), Labels()).Total.item<float>();
        Assert.Equal(a, b, 6);
    }

    [Theory]
    [InlineData(-0.1, 4.0)]
    [InlineData(1.1, 4.0)]
    [InlineData(double.NaN, 4.0)]
    [InlineData(0.5, 0.0)]
    [InlineData(0.5, -1.0)]
    [InlineData(0.5, double.PositiveInfinity)]
    public void RejectsOutOfRangeArguments(double alpha, double temperature)
    {
        var e = Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new KdLoss(alpha, temperature));
        Assert.Contains(double.IsNaN(alpha) || alpha is < 0 or > 1 ? "alpha" : "temperature", e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void RejectsMismatchedShapesAndLabelCounts()
    {
        var loss = new KdLoss(0.5, 2);
        Assert.Throws<ArgumentException>(() => loss.Compute(Student(), zeros(2, 4), Labels()));
        Assert.Throws<ArgumentException>(() => loss.Compute(Student(), Teacher(), tensor(new long[] { 1 })));
    }

    [Fact]
    public void TemperatureSoftensTheDistribution()
    {
        var logits = tensor(new float[] { 5, 1, -2 }, [1, 3]);
        var sharp = SoftTargets.Probabilities(logits, 1).max().item<float>();
        var soft = SoftTargets.Probabilities(logits, 10).max().item<float>();
        Assert.True(soft < sharp);
        Assert.Equal(1.0f, SoftTargets.Probabilities(logits, 10).sum().item<float>(), 5);
    }
}

public class SeedStatisticsTests
{
    [Fact]
    public void MeanAndSampleStandardDeviation()
    {
        var s = KdLabs.Experiments.SeedStatistics.Of([0.98, 0.99, 1.0]);
        Assert.Equal(0.99, s.Mean, 10);
        Assert.Equal(0.01, s.StandardDeviation, 10);
        Assert.Equal("99.00 ± 1.00 % (3 seeds)", s.ToPercentString());
        Assert.True(double.IsNaN(KdLabs.Experiments.SeedStatistics.Of([0.5]).StandardDeviation));
    }
}

public class SeedMixerTests
{
    [Fact]
    public void SubSeedsAreFixedValuesNotPerProcessHashes()
    {
        // HashCode.Combine would give another value in every process; these must never change.
        Assert.Equal(KdLabs.Infrastructure.SeedMixer.Mix(1, 2, 3), KdLabs.Infrastructure.SeedMixer.Mix(1, 2, 3));
        Assert.NotEqual(KdLabs.Infrastructure.SeedMixer.Mix(1, 2, 3), KdLabs.Infrastructure.SeedMixer.Mix(1, 3, 2));
        Assert.Equal(new long[] { 4, 1, 9, 5, 6 }, KdLabs.Data.BatchLoader.EpochOrder(10, true, 1, 1)[..5]);
    }
}
