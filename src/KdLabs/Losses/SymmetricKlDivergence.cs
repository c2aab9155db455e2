using static TorchSharp.torch;

namespace KdLabs.Losses;

/// <summary>
/// The symmetrised KL divergence, averaged over the batch:
/// <code>½·KL(p ‖ q) + ½·KL(q ‖ p) = ½ Σ_i (p_i − q_i)(log p_i − log q_i)</code>
/// This is what PaddleClas computes under the name "JS divergence" for SSLD (Cui et al. 2021,
/// "Beyond Self-Supervision: A Simple Yet Effective Network Distillation Alternative to Improve
/// Backbones"): the original <c>JSDivLoss._jsdiv</c> (ppcls/modeling/loss.py, 2020) and today's
/// <c>DMLLoss</c> (ppcls/loss/dmlloss.py, used by <c>DistillationDMLLoss</c>) both take
/// softmax(logits) at T = 1 and average <c>_kldiv(x, t) + _kldiv(t, x)</c> over the batch; there is no
/// mixture m. So the SSLD write-up's numbers (docs/en/advanced_tutorials/distillation: soft-label CE
/// 76.0%, KL "almost useless" over CE, "JS" 76.2% top-1 for MobileNetV3-large) were produced by this
/// symmetric KL, not by <see cref="JsDivergence"/>. Unlike JS it is unbounded and infinite where one
/// distribution has a zero the other does not (PaddleClas adds ε = 1e-12 inside the log; from logits
/// no probability is exactly 0 unless a logit is −∞, so none is needed here).
/// </summary>
internal static class SymmetricKlDivergence
{
    /// <summary>
    /// ½KL(p ‖ q) + ½KL(q ‖ p) with p = softmax(target/T), q = softmax(input/T), averaged over the batch.
    /// Gradients flow into <paramref name="inputLogits"/> (the student) only: the target is detached.
    /// </summary>
    public static Tensor FromLogits(Tensor targetLogits, Tensor inputLogits, double temperature)
    {
        KlDivergence.CheckShapes(targetLogits, inputLogits);
        var logP = SoftTargets.LogProbabilities(targetLogits.detach(), temperature);
        var logQ = SoftTargets.LogProbabilities(inputLogits, temperature);
        return BatchMean(logP, logQ);
    }

    /// <summary>The symmetric KL averaged over the batch, from log-probabilities of both (gradients reach both).</summary>
    public static Tensor BatchMean(Tensor logP, Tensor logQ)
    {
        KlDivergence.CheckShapes(logP, logQ);
        // One pass instead of two KLs: p log p − p log q + q log q − q log p = (p − q)(log p − log q).
        // A class both rule out (p = q = 0, e.g. masked in both) contributes 0, not 0·(−∞ + ∞) = NaN;
        // one that only one of them rules out is +∞, as the divergence is.
        var p = logP.exp();
        var q = logQ.exp();
        var difference = (logP - logQ).masked_fill((p + q).le(0), 0); // p, q ≥ 0: both zero exactly when their sum is
        var sum = ((p - q) * difference).sum();
        return sum / (2.0 * logP.shape[0]);
    }
}
