using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Losses;

/// <summary>
/// KL(p ‖ q) = Σ_i p_i (log p_i − log q_i), averaged over the batch ("batchmean"): the distillation
/// term with p the teacher's and q the student's softened distribution. TorchSharp's
/// <c>functional.kl_div</c> defaults to <c>log_target: true</c> and has no batchmean reduction, so
/// both are spelled out here: sum over everything, then divide by the batch size.
/// </summary>
public static class KlDivergence
{
    /// <summary>
    /// KL(softmax(target/T) ‖ softmax(input/T)) per sample, averaged over the batch. Gradients flow
    /// into <paramref name="inputLogits"/> (the student); the target is treated as given.
    /// </summary>
    public static Tensor FromLogits(Tensor targetLogits, Tensor inputLogits, double temperature)
    {
        CheckShapes(targetLogits, inputLogits);
        var logQ = SoftTargets.LogProbabilities(inputLogits, temperature);
        var logP = SoftTargets.LogProbabilities(targetLogits, temperature);
        return BatchMean(logP, logQ);
    }

    /// <summary>
    /// KL(p ‖ q) averaged over the batch, from log-probabilities of both. A class with p = 0 (log p = −∞, e.g. a
    /// masked logit) contributes 0, as in PyTorch's <c>kl_div</c> with probability targets (0·log 0 = 0); a class
    /// with p &gt; 0 and q = 0 makes it +∞, as it is.
    /// </summary>
    public static Tensor BatchMean(Tensor logP, Tensor logQ)
    {
        CheckShapes(logP, logQ);
        return Terms(logP, logQ).sum() / logP.shape[0];
    }

    /// <summary>
    /// p·(log p − log q) elementwise, 0 where p = 0. TorchSharp's <c>kl_div(log q, log p, log_target: true)</c>
    /// computes exp(log p)·(log p − log q), which is 0·(−∞) = NaN at a masked class; the difference is zeroed there
    /// first, so neither the value nor any gradient sees the −∞. Elsewhere the arithmetic is kl_div's, bit for bit.
    /// </summary>
    internal static Tensor Terms(Tensor logP, Tensor logQ)
    {
        var p = logP.exp();
        // masked_fill rather than where: the same values, and libtorch's meta device (the device tests) has a kernel for it.
        var difference = (logP - logQ).masked_fill(p.le(0), 0);
        return p * difference;
    }

    internal static void CheckShapes(Tensor a, Tensor b)
    {
        if (!a.shape.SequenceEqual(b.shape))
        {
            throw new ArgumentException($"Teacher and student outputs differ in shape: [{string.Join(", ", a.shape)}] vs [{string.Join(", ", b.shape)}]; both must be batch × classes with the same class count.");
        }
        if (a.dim() != 2)
        {
            throw new ArgumentException($"Expected batch × classes logits, got {a.dim()} dimensions.");
        }
    }
}
