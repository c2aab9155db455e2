using KdLabs.Course;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Tests;

/// <summary>
/// The "implement it" checks: a right implementation, written as a lesson writes it, passes; the placeholder is "not answered
/// yet"; and each deliberately wrong implementation gets the diagnosis that names its mistake.
/// </summary>
public class ImplementItExerciseTests
{
    private static ExerciseResult Softmax(string variant) => Exercises.Lesson01.SoftmaxAtT((z, t) => variant switch
    {
        "right" => functional.softmax(z / t, 1),
        "naive" => (z / t).exp() / (z / t).exp().sum(1, keepdim: true),
        "no T" => functional.softmax(z, 1),
        "times T" => functional.softmax(z * t, 1),
        "log" => functional.log_softmax(z / t, 1),
        "dim 0" => functional.softmax(z / t, 0),
        "unnormalised" => (z / t).exp(),
        "todo" => throw new NotImplementedException(),
        _ => throw new ArgumentException(variant),
    });

    [Theory]
    [InlineData("no T", "plain softmax")]
    [InlineData("times T", "softmax(z · T)")]
    [InlineData("log", "log-probabilities")]
    [InlineData("dim 0", "over the batch")]
    [InlineData("unnormalised", "not normalised")]
    [InlineData("naive", "overflows")]
    [InlineData("todo", "not answered yet")]
    public void SoftmaxMistakesAreNamed(string variant, string diagnosis)
    {
        var result = Softmax(variant);
        Assert.False(result.Correct, result.ToString());
        Assert.Contains(diagnosis, result.Message);
    }

    [Fact]
    public void SoftmaxAtTAcceptsTheStableSoftmax()
    {
        var result = Softmax("right");
        Assert.True(result.Correct, result.ToString());
        Assert.Contains("agrees with the kit's SoftTargets.Probabilities", result.Message);
    }

    // The lesson's KD loss, line for line, and one deliberate mistake per variant.
    private static Tensor Kd(Tensor s, Tensor t, Tensor y, double a, double temp, string variant)
    {
        var logQ = functional.log_softmax(s / temp, 1);
        var logP = functional.log_softmax(t / temp, 1);
        long n = s.shape[0];
        var kl = variant switch
        {
            "reversed" => functional.kl_div(logP, logQ, reduction: Reduction.Sum, log_target: true) / n,
            "log targets" => functional.kl_div(logQ, logP, reduction: Reduction.Sum, log_target: false) / n,
            "probability targets" => functional.kl_div(logQ, logP.exp(), reduction: Reduction.Sum, log_target: true) / n,
            "mean" => functional.kl_div(logQ, logP, reduction: Reduction.Mean, log_target: true),
            "batch sum" => functional.kl_div(logQ, logP, reduction: Reduction.Sum, log_target: true),
            "detached" => functional.kl_div(logQ.detach(), logP, reduction: Reduction.Sum, log_target: true) / n,
            _ => functional.kl_div(logQ, logP, reduction: Reduction.Sum, log_target: true) / n,
        };
        var soft = variant == "no T²" ? kl : kl * (temp * temp);
        var hard = functional.cross_entropy(s, y);
        return variant == "alpha swapped" ? (1 - a) * hard + a * soft : a * hard + (1 - a) * soft;
    }

    [Theory]
    [InlineData("no T²", "missing T²")]
    [InlineData("reversed", "KL direction reversed")]
    [InlineData("log targets", "log-probabilities passed as targets")]
    [InlineData("probability targets", "probabilities passed where log_target: true expects log-probabilities")]
    [InlineData("mean", "mean over all elements instead of the batch")]
    [InlineData("batch sum", "summed over the batch")]
    [InlineData("alpha swapped", "α weights the wrong term")]
    [InlineData("detached", "gradient")]
    public void KdLossMistakesAreNamed(string variant, string diagnosis)
    {
        var result = Exercises.Lesson02.KdLoss((s, t, y, a, temp) => Kd(s, t, y, a, temp, variant));
        Assert.False(result.Correct, result.ToString());
        Assert.Contains(diagnosis, result.Message);
    }

    [Fact]
    public void KdLossAcceptsTheLessonsLossAndNamesThePlaceholder()
    {
        var right = Exercises.Lesson02.KdLoss((s, t, y, a, temp) => Kd(s, t, y, a, temp, "right"));
        Assert.True(right.Correct, right.ToString());
        Assert.Contains("value to", right.Message);
        var todo = Exercises.Lesson02.KdLoss((s, t, y, a, temp) => throw new NotImplementedException());
        Assert.Contains("not answered yet", todo.Message);
        var thrown = Exercises.Lesson02.KdLoss((s, t, y, a, temp) => throw new InvalidOperationException("shapes do not match"));
        Assert.False(thrown.Correct);
        Assert.Contains("your function threw", thrown.Message);
    }

    private static ExerciseResult Routing(string variant) => Exercises.Lesson04.RoutingProbability((x, w, b, beta) => variant switch
    {
        "right" => functional.sigmoid(beta * (x.matmul(w.t()) + b)),
        "no beta" => functional.sigmoid(x.matmul(w.t()) + b),
        "beta not on bias" => functional.sigmoid(beta * x.matmul(w.t()) + b),
        "left" => 1 - functional.sigmoid(beta * (x.matmul(w.t()) + b)),
        "no sigmoid" => beta * (x.matmul(w.t()) + b),
        "transposed" => functional.sigmoid(beta * (w.matmul(x.t()) + b.unsqueeze(1))),
        "todo" => throw new NotImplementedException(),
        _ => throw new ArgumentException(variant),
    });

    [Theory]
    [InlineData("no beta", "β is missing")]
    [InlineData("beta not on bias", "but not the bias")]
    [InlineData("left", "probability of going left")]
    [InlineData("no sigmoid", "sigmoid is missing")]
    [InlineData("transposed", "inner × batch")]
    [InlineData("todo", "not answered yet")]
    public void RoutingMistakesAreNamed(string variant, string diagnosis)
    {
        var result = Routing(variant);
        Assert.False(result.Correct, result.ToString());
        Assert.Contains(diagnosis, result.Message);
    }

    [Fact]
    public void RoutingAcceptsTheRightProbability() => Assert.True(Routing("right").Correct, Routing("right").ToString());

    private static Tensor KlOf(Tensor logP, Tensor logQ) => (logP.exp() * (logP - logQ)).sum() / logP.shape[0];

    private static ExerciseResult Symmetric(string variant) => Exercises.Lesson05.SymmetricKl((t, s, temp) =>
    {
        var logP = functional.log_softmax(t / temp, 1);
        var logQ = functional.log_softmax(s / temp, 1);
        return variant switch
        {
            "right" => 0.5 * KlOf(logP, logQ) + 0.5 * KlOf(logQ, logP),
            "one way" => KlOf(logP, logQ),
            "no half" => KlOf(logP, logQ) + KlOf(logQ, logP),
            "textbook js" => JsByHand(logP.exp(), logQ.exp()),
            "T²" => (0.5 * KlOf(logP, logQ) + 0.5 * KlOf(logQ, logP)) * (temp * temp),
            "todo" => throw new NotImplementedException(),
            _ => throw new ArgumentException(variant),
        };
    });

    private static Tensor JsByHand(Tensor p, Tensor q)
    {
        var m = (p + q) / 2;
        return 0.5 * ((p * (p.log() - m.log())).sum() + (q * (q.log() - m.log())).sum()) / p.shape[0];
    }

    [Theory]
    [InlineData("one way", "only KL(teacher ‖ student)")]
    [InlineData("no half", "the ½ is missing")]
    [InlineData("textbook js", "textbook Jensen–Shannon")]
    [InlineData("T²", "no T² factor")]
    [InlineData("todo", "not answered yet")]
    public void SymmetricKlMistakesAreNamed(string variant, string diagnosis)
    {
        var result = Symmetric(variant);
        Assert.False(result.Correct, result.ToString());
        Assert.Contains(diagnosis, result.Message);
    }

    [Fact]
    public void SymmetricKlAcceptsSsldsLoss() => Assert.True(Symmetric("right").Correct, Symmetric("right").ToString());

    private static Tensor Map(Tensor a, string variant)
    {
        var q = a.pow(2).sum(1).flatten(1);
        return variant switch
        {
            "unnormalised" => q,
            "batch norm" => q / q.pow(2).sum().sqrt(),
            "not flattened" => (q / q.pow(2).sum(1, keepdim: true).sqrt()).reshape(a.shape[0], a.shape[2], a.shape[3]),
            "todo" => throw new NotImplementedException(),
            _ => q / q.pow(2).sum(1, keepdim: true).sqrt(),
        };
    }

    private static Tensor At(Tensor s, Tensor t, string variant)
    {
        var diff = Map(s, "right") - (variant == "teacher not detached" ? Map(t, "right") : Map(t.detach(), "right"));
        return variant switch
        {
            "no beta" => diff.pow(2).mean(),
            "paper form" => 500 * diff.pow(2).sum(1).sqrt().mean(),
            "summed" => 1000 * diff.pow(2).sum(),
            _ => 1000 * diff.pow(2).mean(),
        };
    }

    [Theory]
    [InlineData("unnormalised", "right", "not normalised")]
    [InlineData("batch norm", "right", "normalised over the whole batch")]
    [InlineData("not flattened", "right", "flatten each image's map")]
    [InlineData("todo", "right", "not answered yet")]
    [InlineData("right", "no beta", "β is missing")]
    [InlineData("right", "paper form", "paper's Eq. 2")]
    [InlineData("right", "summed", "summed instead of averaged")]
    [InlineData("right", "teacher not detached", "detach the teacher's map")]
    public void AttentionTransferMistakesAreNamed(string map, string loss, string diagnosis)
    {
        var result = Exercises.Lesson06.AttentionTransfer(a => Map(a, map), (s, t) => At(s, t, loss));
        Assert.False(result.Correct, result.ToString());
        Assert.Contains(diagnosis, result.Message);
    }

    [Fact]
    public void AttentionTransferAcceptsTheLessonsMapAndLoss()
    {
        var result = Exercises.Lesson06.AttentionTransfer(a => Map(a, "right"), (s, t) => At(s, t, "right"));
        Assert.True(result.Correct, result.ToString());
    }
}
