using KdLabs.Data;
using KdLabs.Losses;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>SSLD's divergences and data selection against values computed by hand (Python's math module, see comments).</summary>
public class SsldLossTests
{
    private const double Tolerance = 1e-5;
    private static readonly double Ln2 = Math.Log(2);

    // The same two samples × three classes as KdLossTests.
    private static Tensor Student() => tensor(new float[] { 1.0f, 2.0f, 0.5f, 0.0f, -1.0f, 3.0f }, [2, 3]).requires_grad_(true);
    private static Tensor Teacher() => tensor(new float[] { 2.0f, 0.0f, 1.0f, 0.5f, 0.5f, 2.5f }, [2, 3]);

    // Python: m = (p+q)/2; js = ½Σ p ln(p/m) + ½Σ q ln(q/m) per sample with p = softmax(t/T),
    // q = softmax(s/T), then the mean of the two samples.
    [Theory]
    [InlineData(1.0, 0.10133328808740866)]
    [InlineData(4.0, 0.009250617275903716)]
    public void JsMatchesHandComputedValue(double temperature, double expected)
    {
        Assert.Equal(expected, JsDivergence.FromLogits(Teacher(), Student(), temperature).item<float>(), Tolerance);
    }

    [Fact]
    public void JsIsSymmetric()
    {
        var logP = SoftTargets.LogProbabilities(Teacher(), 2);
        var logQ = SoftTargets.LogProbabilities(Student(), 2);
        Assert.Equal(JsDivergence.BatchMean(logP, logQ).item<float>(), JsDivergence.BatchMean(logQ, logP).item<float>(), Tolerance);
        Assert.Equal(JsDivergence.FromLogits(Teacher(), Student(), 3).item<float>(), JsDivergence.FromLogits(Student(), Teacher(), 3).item<float>(), Tolerance);
    }

    [Fact]
    public void JsIsZeroForEqualInputs()
    {
        Assert.Equal(0.0, JsDivergence.FromLogits(Teacher(), Teacher(), 1).item<float>(), Tolerance);
        var p = tensor(new float[] { 0.5f, 0.5f, 0f, 0.2f, 0.3f, 0.5f }, [2, 3]);
        Assert.Equal(0.0, JsDivergence.FromProbabilities(p, p).item<float>(), Tolerance);
    }

    [Fact]
    public void JsIsAtMostLn2AndReachesItForDisjointSupports()
    {
        // Disjoint one-hots: m = ½ on each, KL(p‖m) = ln 2 for both, so JS = ln 2 exactly.
        var p = tensor(new float[] { 1, 0, 0, 1 }, [2, 2]);
        var q = tensor(new float[] { 0, 1, 1, 0 }, [2, 2]);
        Assert.Equal(Ln2, JsDivergence.FromProbabilities(p, q).item<float>(), Tolerance);
        // Far-apart logits: float32 softmax gives exact zeros; still finite and ≤ ln 2.
        var a = tensor(new float[] { 200, -200, 0, -200, 200, 0 }, [2, 3]);
        var b = tensor(new float[] { -200, 200, 0, 200, -200, 0 }, [2, 3]);
        var js = JsDivergence.FromLogits(a, b, 1).item<float>();
        Assert.True(js <= Ln2 + Tolerance && js > Ln2 - 1e-3, $"JS = {js}");
        manual_seed(7);
        var random = JsDivergence.FromLogits(randn(64, 10) * 5, randn(64, 10) * 5, 1).item<float>();
        Assert.InRange(random, 0, Ln2);
    }

    [Fact]
    public void JsHandlesZeroProbabilitiesWithoutNaN()
    {
        // p = (½, ½, 0), q = (0, ½, ½): m = (¼, ½, ¼), KL(p‖m) = ½ln2 + ½ln1 = ½ln2 = KL(q‖m), so JS = ½ln2.
        var p = tensor(new float[] { 0.5f, 0.5f, 0f }, [1, 3]).requires_grad_(true);
        var q = tensor(new float[] { 0f, 0.5f, 0.5f }, [1, 3]).requires_grad_(true);
        var js = JsDivergence.FromProbabilities(p, q);
        Assert.Equal(0.5 * Ln2, js.item<float>(), Tolerance);
        js.backward();
        Assert.False(p.grad!.isnan().any().item<bool>());
        Assert.False(q.grad!.isnan().any().item<bool>());
    }

    [Fact]
    public void JsGradientReachesStudentNotTeacher()
    {
        var s = Student();
        var t = Teacher().requires_grad_(true);
        JsDivergence.FromLogits(t, s, 2).backward();
        Assert.Null(t.grad);
        Assert.True(s.grad!.abs().sum().item<float>() > 0);
        // Softmax gradients sum to zero over classes.
        Assert.Equal(0.0, s.grad.sum(1).abs().max().item<float>(), Tolerance);
    }

    // Python: ½KL(p‖q) + ½KL(q‖p) per sample, mean over samples. At T = 1 this is also the mean of
    // KdLossTests' two directions: (0.4050834694590857 + 0.49585355917510393)/2.
    [Theory]
    [InlineData(1.0, 0.45046851431709467)]
    [InlineData(4.0, 0.03721741952607226)]
    public void SymmetricKlMatchesHandComputedValue(double temperature, double expected)
    {
        Assert.Equal(expected, SymmetricKlDivergence.FromLogits(Teacher(), Student(), temperature).item<float>(), Tolerance);
    }

    [Fact]
    public void SymmetricKlIsTheMeanOfBothKlDirectionsAndNotJs()
    {
        var logP = SoftTargets.LogProbabilities(Teacher(), 1);
        var logQ = SoftTargets.LogProbabilities(Student(), 1);
        var both = (KlDivergence.BatchMean(logP, logQ) + KlDivergence.BatchMean(logQ, logP)) / 2;
        Assert.Equal(both.item<float>(), SymmetricKlDivergence.BatchMean(logP, logQ).item<float>(), Tolerance);
        Assert.NotEqual(JsDivergence.BatchMean(logP, logQ).item<float>(), SymmetricKlDivergence.BatchMean(logP, logQ).item<float>(), 2);
    }

    [Fact]
    public void SymmetricKlGradientReachesStudentNotTeacher()
    {
        var s = Student();
        var t = Teacher().requires_grad_(true);
        SymmetricKlDivergence.FromLogits(t, s, 1).backward();
        Assert.Null(t.grad);
        Assert.True(s.grad!.abs().sum().item<float>() > 0);
    }

    // Made-up teacher output over a pool of 8 samples and 4 classes (class 3 is never predicted).
    // Predicted class / confidence: 0:.7  1:(1).8  2:.9  3:(2).5  4:.6  5:(1).6  6:.8  7:.7 (all class 0 unless noted).
    private static Tensor Pool() => tensor(new float[]
    {
        0.7f, 0.2f, 0.1f, 0f,
        0.1f, 0.8f, 0.1f, 0f,
        0.9f, 0.05f, 0.05f, 0f,
        0.2f, 0.3f, 0.5f, 0f,
        0.6f, 0.3f, 0.1f, 0f,
        0.3f, 0.6f, 0.1f, 0f,
        0.8f, 0.1f, 0.1f, 0f,
        0.7f, 0.2f, 0.1f, 0f,
    }, [8, 4]);

    [Fact]
    public void TopKKeepsTheMostConfidentSamplesPerPredictedClass()
    {
        // Class 0 holds {0:.7, 2:.9, 4:.6, 6:.8, 7:.7} → top 2 = 2, 6; class 1 {1:.8, 5:.6}; class 2 {3}; class 3 none.
        var sel = TopKPerClassSelector.Select(Pool(), 2);
        Assert.Equal([2L, 6, 1, 5, 3], sel.Indices);
        Assert.Equal([2L, 2, 1, 0], sel.CountsPerClass);
        Assert.Equal([0L, 0, 1, 1, 2], sel.PredictedClasses);
    }

    [Fact]
    public void TopKBreaksTiesByPoolOrderAndCapsAtClassSize()
    {
        // k = 3: class 0's third place is a tie between samples 0 and 7 (both .7): the lower index wins.
        var sel = TopKPerClassSelector.Select(Pool(), 3);
        Assert.Equal([2L, 6, 0, 1, 5, 3], sel.Indices);
        Assert.Equal([3L, 2, 1, 0], sel.CountsPerClass);
        var all = TopKPerClassSelector.Select(Pool(), 100);
        Assert.Equal(8, all.Indices.Length);
        Assert.Equal(8, all.Indices.Distinct().Count());
        Assert.Equal([5L, 2, 1, 0], all.CountsPerClass);
    }

    [Fact]
    public void TopKRejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TopKPerClassSelector.Select(Pool(), 0));
        Assert.Throws<ArgumentException>(() => TopKPerClassSelector.Select(zeros(8), 1));
    }
}
