using KdLabs.Experiments;
using KdLabs.Methods;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>Logit standardisation (Sun et al. 2024): the loss against a value worked out by hand, and a zoo smoke run.</summary>
[Collection(TorchRngCollection.Name)]
public class LogitStandardizationTests
{
    [Fact]
    public void TheLossMatchesItsHandComputedValueAndIgnoresTheTeachersScaleAndShift()
    {
        // Two classes. Teacher t = (0, 2): mean 1, sample std √((1 + 1) / 1) = √2, so z(t) = (−1/√2, 1/√2).
        // Student s = (3, 1): z(s) = (1/√2, −1/√2). At T = 2 the softmax sees ±1/(2√2), so
        // p_t = (1 − σ(a), σ(a)) and p_s = (σ(a), 1 − σ(a)) with a = 2·(1/(2√2)) = 1/√2 = 0.70711, σ(a) = 0.669762.
        // KL(p_t ‖ p_s) = σ(a)·a − (1 − σ(a))·a = (2σ(a) − 1)·a = 0.339523 · 0.70711 = 0.240079; · T² = 0.960316.
        // CE(y = 0, s) = −log softmax(3, 1)₀ = log(1 + e^−2) = 0.126928.
        // L = 0.5 · 0.126928 + 0.5 · 0.960316 = 0.543622.
        using var scope = NewDisposeScope();
        var student = tensor(new float[] { 3, 1 }).reshape(1, 2);
        var teacher = tensor(new float[] { 0, 2 }).reshape(1, 2);
        var labels = tensor(new long[] { 0 });
        Assert.Equal(0.543622, LogitStandardizationMethod.Compute(student, teacher, labels, 0.5, 2).item<float>(), 5);
        Assert.Equal(0.960316, LogitStandardizationMethod.Compute(student, teacher, labels, 0, 2).item<float>(), 5);
        // z-scoring removes the teacher's scale and shift: 10·t + 7 gives the same loss; plain KD would not.
        Assert.Equal(0.960316, LogitStandardizationMethod.Compute(student, teacher * 10 + 7, labels, 0, 2).item<float>(), 4);
        Assert.Equal([-0.70711f, 0.70711f], LogitStandardizationMethod.Standardize(teacher).data<float>().ToArray().Select(v => MathF.Round(v, 5)));
    }

    [Fact]
    public void ItIsRegisteredAndTrainsInTheZooSmokePath()
    {
        Assert.IsType<LogitStandardizationMethod>(DistillationMethods.Get("logit-std"));
        Assert.Contains("logit-std", ZooOptions.ParseMethods("all"));
        using var lab = new ZooLab(new ZooOptions { Methods = ["logit-std"] , Lab = new() { Smoke = true, DataDirectory = TestData.MnistDirectory, OutputDirectory = TestData.TempDirectory(), Seeds = [3] } },
            Training.TrainingProgress.Silent, _ => { });
        var result = lab.Run();
        var row = Assert.Single(result.Rows);
        Assert.Equal("logit-std", row.Method);
        Assert.Equal(2, row.Epochs);
        Assert.True(row.TestAccuracy > 0.3, $"{row.TestAccuracy}");
    }
}
