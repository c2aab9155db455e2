using KdLabs.Losses;
using KdLabs.Methods;
using KdLabs.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Tests.Reliability;

/// <summary>
/// Every soft-target loss with masked classes (−∞ logits) and extreme logits: finite where the divergence is, equal to
/// values derived by hand, and bit-identical to the previous arithmetic on ordinary logits.
/// </summary>
public class MaskedLogitLossTests
{
    private static readonly float NegInf = float.NegativeInfinity;

    // Row 1: teacher [0, ln 3, −∞] → p = [1/4, 3/4, 0]; student [0, 0, 0] → q = [1/3, 1/3, 1/3].
    // Row 2: teacher [−∞, 0, 0] → p = [0, 1/2, 1/2]; student [ln 2, 0, 0] → q = [1/2, 1/4, 1/4].
    private static Tensor Teacher() => tensor(new[] { 0f, MathF.Log(3), NegInf, NegInf, 0f, 0f }, [2, 3]);
    private static Tensor Student() => tensor(new[] { 0f, 0f, 0f, MathF.Log(2), 0f, 0f }, [2, 3]).requires_grad_(true);
    private static Tensor Labels() => tensor(new long[] { 1, 2 });

    // KL row 1 = ¼·ln(¾ / ⅓) + ¾·ln(¾ / ⅓) = ¼ ln ¾ + ¾ ln 9/4; row 2 = 2·½·ln(½ / ¼) = ln 2 (the masked class adds 0·log 0 = 0).
    private static readonly double HandKl = (0.25 * Math.Log(0.75) + 0.75 * Math.Log(2.25) + Math.Log(2)) / 2; // 0.6147121623046233

    [Fact]
    public void KlWithAMinusInfinityTeacherLogitIsFiniteAndMatchesTheHandValue()
    {
        var student = Student();
        var kl = KlDivergence.FromLogits(Teacher(), student, 1.0);
        Assert.Equal(0.6147121623046233, HandKl, 12);
        Assert.Equal(HandKl, kl.item<float>(), 5);
        kl.backward();
        Assert.True(student.grad!.isfinite().all().item<bool>());
        // d KL / d s = (q − p) / batch: row 1 class 3 gets (⅓ − 0) / 2.
        Assert.Equal(1.0 / 6, student.grad![0, 2].item<float>(), 5);
    }

    [Fact]
    public void KdLossWithAMinusInfinityTeacherLogitMatchesTheHandValue()
    {
        // T = 2: p₁ = [1, √3, 0] / (1 + √3), q₁ uniform; p₂ = [0, ½, ½], q₂ = [√2, 1, 1] / (2 + √2).
        double s3 = Math.Sqrt(3), s2 = Math.Sqrt(2);
        double a = 1 / (1 + s3), b = s3 / (1 + s3);
        double kl1 = a * Math.Log(a * 3) + b * Math.Log(b * 3);
        double q2 = 1 / (2 + s2);
        double kl2 = Math.Log(0.5 / q2);
        double ce = (Math.Log(3) + Math.Log(4)) / 2; // labels 1 and 2: −ln ⅓ and −ln ¼
        double expected = 0.5 * ce + 0.5 * 4 * (kl1 + kl2) / 2;
        var terms = new KdLoss(0.5, 2).Compute(Student(), Teacher(), Labels());
        Assert.Equal(expected, terms.Total.item<float>(), 5);
    }

    [Fact]
    public void AClassMaskedInBothIsTheSameAsNoClassForEveryLoss()
    {
        // Three real classes plus a fourth that teacher and student both rule out: every loss must equal the 3-class one.
        var t3 = tensor(new[] { 2f, 0f, 1f, 0.5f, 0.5f, 2.5f }, [2, 3]);
        var s3 = tensor(new[] { 1f, 2f, 0.5f, 0f, -1f, 3f }, [2, 3]);
        var t4 = cat([t3, full(2, 1, NegInf)], 1);
        var s4 = cat([s3, full(2, 1, NegInf)], 1).requires_grad_(true);
        var y = tensor(new long[] { 1, 2 });
        var pairs = new (string Name, Func<Tensor, Tensor, Tensor> Loss)[]
        {
            ("KL", (t, s) => KlDivergence.FromLogits(t, s, 4)),
            ("KD", (t, s) => new KdLoss(0.5, 4).Compute(s, t, y).Total),
            ("JS", (t, s) => JsDivergence.FromLogits(t, s, 2)),
            ("symmetric KL", (t, s) => SymmetricKlDivergence.FromLogits(t, s, 2)),
            ("soft CE", (t, s) => SoftLabelObjective.SoftCrossEntropy(t, s, 2)),
            ("DKD", (t, s) => new DkdLoss().Compute(s, t, y).Total),
            ("multi-teacher", (t, s) => MultiTeacherTargets.DistillationLoss([t, t * 0.5], s, 4)),
        };
        foreach (var (name, loss) in pairs)
        {
            float without = loss(t3, s3).item<float>();
            var with = loss(t4, s4);
            Assert.True(float.IsFinite(with.item<float>()), $"{name}: {with.item<float>()}");
            Assert.True(Math.Abs(without - with.item<float>()) < 1e-5, $"{name}: {with.item<float>()} with the masked class, {without} without");
            s4.grad?.zero_();
            with.backward();
            Assert.True(s4.grad!.isfinite().all().item<bool>(), $"{name}: gradient not finite");
        }
    }

    [Fact]
    public void ExtremeLogitsGiveTheLimitValues()
    {
        // Teacher certain ([1e30, 0, −1e30] → p = [1, 0, 0]), student uniform: KL = ln 3; soft CE = ln 3 too.
        var t = tensor(new[] { 1e30f, 0f, -1e30f }, [1, 3]);
        var s = zeros(1, 3);
        Assert.Equal(Math.Log(3), KlDivergence.FromLogits(t, s, 1).item<float>(), 5);
        Assert.Equal(Math.Log(3), SoftLabelObjective.SoftCrossEntropy(t, s, 1).item<float>(), 5);
        Assert.True(float.IsFinite(JsDivergence.FromLogits(t, s, 1).item<float>()));
        // DKD's mask holds even when the target logit / T is more than 1000 above the rest: p̂ over classes 1, 2 only.
        var teacher = tensor(new[] { 1e4f, 1f, 0f }, [1, 3]);
        var student = tensor(new[] { 1e4f, 0f, 1f }, [1, 3]);
        var nckd = new DkdLoss(1, 1, 1).Compute(student, teacher, tensor(new long[] { 0 })).Nckd.item<float>();
        double p1 = Math.E / (Math.E + 1), p2 = 1 / (Math.E + 1); // teacher over {1, 2}: softmax(1, 0); student: softmax(0, 1)
        Assert.Equal(p1 * Math.Log(p1 / p2) + p2 * Math.Log(p2 / p1), nckd, 4);
    }

    [Fact]
    public void OnOrdinaryLogitsTheArithmeticIsUnchangedBitForBit()
    {
        manual_seed(12);
        var t = randn(64, 10) * 3;
        var s1 = randn(64, 10).requires_grad_(true);
        var s2 = s1.detach().clone().requires_grad_(true);
        var logP = functional.log_softmax(t / 4, 1);
        var old = functional.kl_div(functional.log_softmax(s1 / 4, 1), logP, reduction: Reduction.Sum, log_target: true) / 64;
        var now = KlDivergence.BatchMean(logP, functional.log_softmax(s2 / 4, 1));
        Assert.Equal(old.item<float>(), now.item<float>());
        old.backward();
        now.backward();
        Assert.Equal(0f, (s1.grad! - s2.grad!).abs().max().item<float>());

        // DKD's NCKD: the official −1000 offset and the −∞ fill give identical numbers here.
        var y = randint(0, 10, [64]);
        var mask = functional.one_hot(y, 10).to(ScalarType.Float32);
        var offset = KlDivergence.BatchMean(functional.log_softmax(t / 4 - mask * 1000, 1), functional.log_softmax(s1.detach() / 4 - mask * 1000, 1)) * 16;
        var fill = new DkdLoss(1, 1, 4).Compute(s1.detach(), t, y).Nckd;
        Assert.Equal(offset.item<float>(), fill.item<float>());
    }
}
