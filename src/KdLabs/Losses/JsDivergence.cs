using static TorchSharp.torch;

namespace KdLabs.Losses;

/// <summary>
/// The Jensen–Shannon divergence, averaged over the batch:
/// <code>JS(p, q) = ½·KL(p ‖ m) + ½·KL(q ‖ m),  m = ½(p + q)</code>
/// Symmetric, zero only for p = q, bounded by ln 2, and finite even where one distribution puts zero
/// mass (m &gt; 0 wherever p or q is). SSLD (PaddleClas, Cui et al. 2021) calls its loss "JS divergence",
/// but its code computes <see cref="SymmetricKlDivergence"/> instead; this is the textbook quantity
/// (Lin 1991), for comparison.
/// </summary>
internal static class JsDivergence
{
    // Log-probabilities are clamped here before use: exp(−100) underflows to 0 in float32, so the term
    // is exactly 0 as it should be, while a −∞ would turn 0·(−∞ − log m) into NaN.
    private const double MinLogProbability = -100;

    // Probabilities are clamped before the log so the log's gradient stays finite at p = 0; the
    // clamped value only ever multiplies a weight that is itself 0.
    private const double MinProbability = 1e-30;

    /// <summary>
    /// JS(softmax(target/T), softmax(input/T)) per sample, averaged over the batch. Gradients flow into
    /// <paramref name="inputLogits"/> (the student) only: the target is detached.
    /// </summary>
    public static Tensor FromLogits(Tensor targetLogits, Tensor inputLogits, double temperature)
    {
        KlDivergence.CheckShapes(targetLogits, inputLogits);
        var logP = SoftTargets.LogProbabilities(targetLogits.detach(), temperature);
        var logQ = SoftTargets.LogProbabilities(inputLogits, temperature);
        return BatchMean(logP, logQ);
    }

    /// <summary>JS(p, q) averaged over the batch, from log-probabilities of both (gradients reach both).</summary>
    public static Tensor BatchMean(Tensor logP, Tensor logQ)
    {
        KlDivergence.CheckShapes(logP, logQ);
        var lp = logP.clamp_min(MinLogProbability);
        var lq = logQ.clamp_min(MinLogProbability);
        // log m = log(½e^{log p} + ½e^{log q}), computed without leaving log space.
        var logM = stack([lp, lq]).logsumexp(0) - Math.Log(2);
        var sum = (lp.exp() * (lp - logM)).sum() + (lq.exp() * (lq - logM)).sum();
        return sum / (2.0 * logP.shape[0]);
    }

    /// <summary>
    /// JS(p, q) averaged over the batch, from probabilities (rows summing to 1; zeros allowed).
    /// Gradients reach both arguments.
    /// </summary>
    public static Tensor FromProbabilities(Tensor p, Tensor q)
    {
        KlDivergence.CheckShapes(p, q);
        var m = (p + q) * 0.5;
        var logM = m.clamp_min(MinProbability).log();
        // 0·log 0 = 0: the zero weight cancels whatever the clamped log says.
        var sum = (p * (p.clamp_min(MinProbability).log() - logM)).sum() + (q * (q.clamp_min(MinProbability).log() - logM)).sum();
        return sum / (2.0 * p.shape[0]);
    }
}
