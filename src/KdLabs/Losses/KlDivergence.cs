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

    /// <summary>KL(p ‖ q) averaged over the batch, from log-probabilities of both.</summary>
    public static Tensor BatchMean(Tensor logP, Tensor logQ)
    {
        CheckShapes(logP, logQ);
        // kl_div(input = log q, target = log p) computes p·(log p − log q) elementwise.
        var sum = functional.kl_div(logQ, logP, reduction: Reduction.Sum, log_target: true);
        return sum / logP.shape[0];
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
