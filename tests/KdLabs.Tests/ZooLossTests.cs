using KdLabs.Losses;
using KdLabs.Methods;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Tests;

/// <summary>The distillation method zoo against values computed by hand (Python's math module, see comments).</summary>
public class ZooLossTests
{
    private const double Tolerance = 1e-5;

    private static Tensor Student() => tensor(new float[] { 1.0f, 2.0f, 0.5f, 0.0f, -1.0f, 3.0f }, [2, 3]).requires_grad_(true);
    private static Tensor Teacher() => tensor(new float[] { 2.0f, 0.0f, 1.0f, 0.5f, 0.5f, 2.5f }, [2, 3]);
    private static Tensor Labels() => tensor(new long[] { 1, 2 });

    private static void AssertStudentOnly(Tensor student, Tensor teacher)
    {
        Assert.Null(teacher.grad);
        Assert.NotNull(student.grad);
        Assert.True(student.grad!.abs().sum().item<float>() > 0, "the student received a zero gradient");
    }

    // ---- FitNets ----

    private static HintRegressor Regressor()
    {
        // W = [[1, 0], [0, 1], [1, 1]], b = (0, 0, −1): channels 0 and 1 pass through, channel 2 = c0 + c1 − 1.
        var r = new HintRegressor(2, 3);
        using (no_grad())
        {
            r.Convolution.weight!.copy_(tensor(new float[] { 1, 0, 0, 1, 1, 1 }, [3, 2, 1, 1]));
            r.Convolution.bias!.copy_(tensor(new float[] { 0, 0, -1 }));
        }
        return r;
    }

    [Fact]
    public void HintLossMatchesHandComputedValue()
    {
        // Guided v = (c0: [1, 2], c1: [3, 4]) on a 1 × 2 map; r(v) = ([1, 2], [3, 4], [3, 5]).
        // Hint u = ([1, 1], [3, 3], [3, 3]); squared errors 0, 1, 0, 1, 0, 4 → mean 6/6 = 1.
        var v = tensor(new float[] { 1, 2, 3, 4 }, [1, 2, 1, 2]).requires_grad_(true);
        var u = tensor(new float[] { 1, 1, 3, 3, 3, 3 }, [1, 3, 1, 2]).requires_grad_(true);
        var r = Regressor();
        var loss = HintLoss.Compute(u, v, r);
        Assert.Equal(1.0, loss.item<float>(), Tolerance);
        loss.backward();
        AssertStudentOnly(v, u);
        Assert.True(r.Convolution.weight!.grad!.abs().sum().item<float>() > 0, "the regressor is trained with the student");
    }

    [Fact]
    public void HintLossNeedsMatchingShapes()
    {
        Assert.Throws<ArgumentException>(() => HintLoss.Compute(zeros(1, 3, 2, 2), zeros(1, 2, 2, 2)));
        Assert.Throws<ArgumentException>(() => Regressor().forward(zeros(1, 3, 2, 2)));
    }

    // ---- Attention transfer ----

    // Two samples on a 2 × 2 map (4 positions). Student has 2 channels, teacher 3:
    // Q_s = Σ_c A² = [2, 4, 4, 2] and [0, 1, 1, 9]; Q_t = [2, 1, 0, 1] and [1, 5, 1, 2].
    private static Tensor AtStudent() => tensor(new float[] { 1, 2, 0, 1, 1, 0, 2, 1, 0, 1, 1, 0, 0, 0, 0, 3 }, [2, 2, 2, 2]).requires_grad_(true);
    private static Tensor AtTeacher() => tensor(new float[] { 1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1, 0, 2, 0, 0, 0, 0, 0, 1 }, [2, 3, 2, 2]);

    [Fact]
    public void AttentionMapIsNormalisedSumOfSquaresOverChannels()
    {
        var q = AttentionTransferLoss.AttentionMap(AtStudent());
        var n = Math.Sqrt(40); // ‖[2, 4, 4, 2]‖
        Assert.True(allclose(q[0], tensor(new[] { 2 / n, 4 / n, 4 / n, 2 / n }).to(ScalarType.Float32), rtol: 0, atol: Tolerance));
        Assert.Equal(1.0, q[1].pow(2).sum().item<float>(), Tolerance);
    }

    // Python: d = Q_s/‖Q_s‖ − Q_t/‖Q_t‖ per sample; code form mean(d²) over 2 × 4 entries = 0.22034023550486165;
    // paper form mean over samples of ‖d‖₂ = 0.9342657666853454, times β/2.
    [Theory]
    [InlineData(AttentionTransferForm.AuthorsCode, 0.22034023550486165)]
    [InlineData(AttentionTransferForm.PaperEquation, 0.9342657666853454 / 2)]
    public void AttentionTransferMatchesHandComputedValue(AttentionTransferForm form, double expected)
    {
        var loss = new AttentionTransferLoss(beta: 1, form: form).Compute([AtStudent()], [AtTeacher()]);
        Assert.Equal(expected, loss.item<float>(), Tolerance);
    }

    [Fact]
    public void AttentionTransferSumsLayersAndScalesByBeta()
    {
        var one = new AttentionTransferLoss(beta: 1).Compute([AtStudent()], [AtTeacher()]).item<float>();
        var twoLayers = new AttentionTransferLoss(beta: 1000).Compute([AtStudent(), AtStudent()], [AtTeacher(), AtTeacher()]).item<float>();
        Assert.Equal(2000 * one, twoLayers, 1e-3); // 440.68…, float32 relative precision
    }

    [Fact]
    public void AttentionTransferGradientReachesStudentNotTeacherAndSurvivesDeadMaps()
    {
        foreach (var form in Enum.GetValues<AttentionTransferForm>())
        {
            var s = AtStudent();
            var t = AtTeacher().requires_grad_(true);
            new AttentionTransferLoss(form: form).Compute([s], [t]).backward();
            AssertStudentOnly(s, t);

            // All-zero maps and identical maps give 0, not NaN, in value and gradient.
            var dead = zeros(2, 2, 2, 2).requires_grad_(true);
            var loss = new AttentionTransferLoss(form: form).Compute([dead], [zeros(2, 3, 2, 2)]);
            loss.backward();
            Assert.Equal(0.0, loss.item<float>(), Tolerance);
            Assert.False(dead.grad!.isnan().any().item<bool>());
            var same = AtStudent();
            var zero = new AttentionTransferLoss(form: form).Compute([same], [AtStudent().detach()]);
            zero.backward();
            Assert.Equal(0.0, zero.item<float>(), Tolerance);
            Assert.False(same.grad!.isnan().any().item<bool>());
        }
    }

    // ---- FSP ----

    // One sample, 1 × 2 maps. Student F1 = ([1, 2], [3, 0]), F2 = ([1, −1], [2, 2]):
    // G_s = F1·F2ᵀ/2 = [[−0.5, 3], [1.5, 3]]. Teacher F1 = ([0, 2], [1, 1]), F2 = ([1, 1], [0, 2]):
    // G_t = [[1, 2], [1, 1]]. ‖G_s − G_t‖² = 2.25 + 1 + 0.25 + 4 = 7.5.
    private static (Tensor, Tensor) FspStudent(float scale = 1) => (
        tensor(new float[] { 1, 2, 3, 0 }, [1, 2, 1, 2]) * scale,
        tensor(new float[] { 1, -1, 2, 2 }, [1, 2, 1, 2]) * scale);
    private static (Tensor, Tensor) FspTeacher(float scale = 1) => (
        tensor(new float[] { 0, 2, 1, 1 }, [1, 2, 1, 2]) * scale,
        tensor(new float[] { 1, 1, 0, 2 }, [1, 2, 1, 2]) * scale);

    [Fact]
    public void FspMatrixIsChannelInnerProductsOverPositions()
    {
        var (a, b) = FspStudent();
        Assert.True(allclose(FspLoss.Matrix(a, b), tensor(new float[] { -0.5f, 3, 1.5f, 3 }, [1, 2, 2]), rtol: 0, atol: Tolerance));
    }

    [Fact]
    public void FspLossMatchesHandComputedValue()
    {
        Assert.Equal(7.5, FspLoss.Compute([FspStudent()], [FspTeacher()]).item<float>(), Tolerance);
        // Batch mean: a second sample with features ×2 has G ×4, squared error ×16 = 120; (7.5 + 120)/2.
        var (s1, s2) = FspStudent();
        var (t1, t2) = FspTeacher();
        var batch = FspLoss.Compute([(cat([s1, s1 * 2]), cat([s2, s2 * 2]))], [(cat([t1, t1 * 2]), cat([t2, t2 * 2]))]);
        Assert.Equal(63.75, batch.item<float>(), Tolerance);
        // Mean over pairs: a second pair where student equals teacher adds 0 → 7.5/2.
        Assert.Equal(3.75, FspLoss.Compute([FspStudent(), FspTeacher()], [FspTeacher(), FspTeacher()]).item<float>(), Tolerance);
    }

    [Fact]
    public void FspGradientReachesStudentNotTeacher()
    {
        var (a, b) = FspStudent();
        a.requires_grad_(true);
        var (c, d) = FspTeacher();
        c.requires_grad_(true);
        FspLoss.Compute([(a, b)], [(c, d)]).backward();
        AssertStudentOnly(a, c);
        Assert.Throws<ArgumentException>(() => FspLoss.Compute([(zeros(1, 2, 2, 2), zeros(1, 3, 2, 2))], [(zeros(1, 2, 2, 2), zeros(1, 2, 2, 2))]));
    }

    // ---- Multi-teacher ----

    private static Tensor SecondTeacher() => tensor(new float[] { 0, 1, 0, 1, 0, 0 }, [2, 3]);

    // Python, T = 2, weights 3 : 1 → ¾·softmax(t1/2) + ¼·softmax(t2/2):
    // row 0 = (0.4483774480570398, 0.2527084828887872, 0.298914069054173), loss = T²·mean KL(p̄ ‖ softmax(s/2)) = 0.4877015608421656;
    // uniform weights give 0.5417102190011476.
    [Fact]
    public void MultiTeacherAverageMatchesHandComputedValues()
    {
        var avg = MultiTeacherTargets.AverageProbabilities([Teacher(), SecondTeacher()], 2, [3, 1]);
        Assert.True(allclose(avg[0], tensor(new float[] { 0.4483774480570398f, 0.2527084828887872f, 0.298914069054173f }), rtol: 0, atol: Tolerance));
        Assert.True(allclose(avg.sum(1), ones(2), rtol: 0, atol: Tolerance));
        Assert.Equal(0.4877015608421656, MultiTeacherTargets.DistillationLoss([Teacher(), SecondTeacher()], Student(), 2, [3, 1]).item<float>(), Tolerance);
        Assert.Equal(0.5417102190011476, MultiTeacherTargets.DistillationLoss([Teacher(), SecondTeacher()], Student(), 2).item<float>(), Tolerance);
    }

    [Fact]
    public void SingleTeacherAverageIsPlainKd()
    {
        // KdLossTests: T²·KL at T = 4 is 0.5828112167607356; weight 0 drops the second teacher.
        Assert.Equal(0.5828112167607356, MultiTeacherTargets.DistillationLoss([Teacher()], Student(), 4).item<float>(), Tolerance);
        Assert.Equal(0.5828112167607356, MultiTeacherTargets.DistillationLoss([Teacher(), SecondTeacher()], Student(), 4, [1, 0]).item<float>(), Tolerance);
    }

    [Fact]
    public void MultiTeacherGradientReachesStudentNotTeachers()
    {
        var s = Student();
        var t1 = Teacher().requires_grad_(true);
        var t2 = SecondTeacher().requires_grad_(true);
        MultiTeacherTargets.DistillationLoss([t1, t2], s, 2).backward();
        AssertStudentOnly(s, t1);
        Assert.Null(t2.grad);
        Assert.Throws<ArgumentException>(() => MultiTeacherTargets.DistillationLoss([t1, t2], s, 2, [1]));
        Assert.Throws<ArgumentException>(() => MultiTeacherTargets.DistillationLoss([t1, t2], s, 2, [0, 0]));
    }

    [Fact]
    public void RandomTeacherPickerIsSeededAndCoversAllTeachers()
    {
        var a = new RandomTeacherPicker(3, seed: 42);
        var draws = Enumerable.Range(0, 3000).Select(i => a.TeacherFor(i)).ToArray();
        Assert.Equal(draws, Enumerable.Range(0, 3000).Select(i => new RandomTeacherPicker(3, 42).TeacherFor(i)));
        Assert.NotEqual(draws, Enumerable.Range(0, 3000).Select(i => new RandomTeacherPicker(3, 43).TeacherFor(i)));
        // Each teacher gets about a third of the batches (binomial sd ≈ 26).
        Assert.All(Enumerable.Range(0, 3), k => Assert.InRange(draws.Count(d => d == k), 850, 1150));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RandomTeacherPicker(0, 1));
    }

    // ---- Deep mutual learning ----

    private static Tensor ThirdStudent() => tensor(new float[] { 0, 0, 0, 1, 2, 3 }, [2, 3]).requires_grad_(true);

    // Python, K = 3 students (Student, Teacher, ThirdStudent as logits), labels (1, 2):
    // L_k = mean CE_k + ½ Σ_{j≠k} mean KL(p_j ‖ p_k) = 0.6380640172674774, 1.6679173820728272, 0.9441316065044364.
    [Fact]
    public void MutualLearningMatchesHandComputedValues()
    {
        var terms = DeepMutualLearningLoss.Compute([Student(), Teacher().requires_grad_(true), ThirdStudent()], Labels());
        Assert.Equal(0.26512634393268697, terms.CrossEntropies[0].item<float>(), Tolerance);
        Assert.Equal(0.3729376733347904, terms.Mimicry[0].item<float>(), Tolerance);
        Assert.Equal(0.6380640172674774, terms.Losses[0].item<float>(), Tolerance);
        Assert.Equal(1.6679173820728272, terms.Losses[1].item<float>(), Tolerance);
        Assert.Equal(0.9441316065044364, terms.Losses[2].item<float>(), Tolerance);
        Assert.Equal(0.6380640172674774 + 1.6679173820728272 + 0.9441316065044364, terms.Total.item<float>(), Tolerance);
    }

    [Fact]
    public void MutualLearningLossOfOneStudentOnlyUpdatesThatStudent()
    {
        var a = Student();
        var b = Teacher().requires_grad_(true);
        var terms = DeepMutualLearningLoss.Compute([a, b], Labels());
        terms.Losses[0].backward();
        AssertStudentOnly(a, b); // the peer's prediction is a detached target

        // The summed loss gives each student exactly the gradient of its own loss.
        var a2 = Student();
        var b2 = Teacher().requires_grad_(true);
        DeepMutualLearningLoss.Compute([a2, b2], Labels()).Total.backward();
        Assert.True(allclose(a2.grad!, a.grad!, rtol: 0, atol: Tolerance));
        Assert.Throws<ArgumentException>(() => DeepMutualLearningLoss.Compute([Student()], Labels()));
    }

    // ---- DKD ----

    // Python, T = 4: b = [p_y, 1 − p_y] and p̂ = p_{≠y}/(1 − p_y) per sample; TCKD = T²·mean KL(b_t ‖ b_s) =
    // 0.5371174828285621, NCKD = T²·mean KL(p̂_t ‖ p̂_s) = 0.07779133894359433, α = 1, β = 8 → 1.1594481943773167.
    [Fact]
    public void DkdMatchesHandComputedValues()
    {
        var terms = new DkdLoss().Compute(Student(), Teacher(), Labels());
        Assert.Equal(0.5371174828285621, terms.Tckd.item<float>(), Tolerance);
        Assert.Equal(0.07779133894359433, terms.Nckd.item<float>(), Tolerance);
        Assert.Equal(1.1594481943773167, terms.Total.item<float>(), Tolerance);
    }

    [Fact]
    public void DkdDecomposesKdAtEqualWeightsUpToTheNonTargetMass()
    {
        // The paper's identity KL = TCKD + (1 − p_y^t)·NCKD: with α = β = 1 DKD drops the (1 − p_y^t) factor.
        // Python at T = 1: TCKD = 0.3803040522978648, NCKD = 0.07322954646758156.
        var terms = new DkdLoss(1, 1, 1).Compute(Student(), Teacher(), Labels());
        Assert.Equal(0.3803040522978648, terms.Tckd.item<float>(), Tolerance);
        Assert.Equal(0.07322954646758156, terms.Nckd.item<float>(), Tolerance);
        var p = functional.softmax(Teacher(), 1);
        var pt = new[] { p[0, 1].item<float>(), p[1, 2].item<float>() };
        double kl = KlDivergence.FromLogits(Teacher(), Student(), 1).item<float>();
        double recomposed = 0;
        for (int i = 0; i < 2; i++)
        {
            var one = new DkdLoss(1, 1, 1).Compute(Student()[i..(i + 1)], Teacher()[i..(i + 1)], Labels()[i..(i + 1)]);
            recomposed += (one.Tckd.item<float>() + (1 - pt[i]) * one.Nckd.item<float>()) / 2;
        }
        Assert.Equal(kl, recomposed, Tolerance);
        Assert.Equal(0.40508346945908547, kl, Tolerance);
    }

    [Fact]
    public void DkdGradientReachesStudentNotTeacherAndStaysFiniteWhenConfident()
    {
        var s = Student();
        var t = Teacher().requires_grad_(true);
        new DkdLoss().Compute(s, t, Labels()).Total.backward();
        AssertStudentOnly(s, t);

        // A teacher that is certain (p_y rounds to 1 in float32) would give log 0 in a probability-space TCKD.
        var confident = tensor(new float[] { 0, 200, 0, 0, 0, 200 }, [2, 3]);
        var s2 = Student();
        var terms = new DkdLoss().Compute(s2, confident, Labels());
        terms.Total.backward();
        Assert.True(float.IsFinite(terms.Total.item<float>()));
        Assert.False(s2.grad!.isnan().any().item<bool>());
    }

    [Fact]
    public void DkdWarmupAndArgumentChecks()
    {
        Assert.Equal(0.5, DkdLoss.WarmupFactor(10), 12);
        Assert.Equal(1.0, DkdLoss.WarmupFactor(25), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DkdLoss(alpha: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DkdLoss(temperature: 0));
        Assert.Throws<ArgumentException>(() => new DkdLoss().Compute(Student(), Teacher(), tensor(new long[] { 1 })));
    }
}
