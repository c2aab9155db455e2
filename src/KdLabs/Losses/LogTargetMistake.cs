using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Losses;

/// <summary>
/// The soft term as the widely shared PyTorch MNIST distillation example writes it:
/// <c>kl_div(log_softmax(s/T), log_softmax(t/T))</c> with <c>log_target</c> left at PyTorch's default, false. The teacher's
/// log-probabilities (all ≤ 0) are then read as probabilities, so <c>kl_div</c> computes <c>t·(log t − s)</c> of negative
/// numbers. How that ends depends on the library's version: <see cref="AsWritten"/> calls this kit's libtorch the way the
/// example does; <see cref="AsOlderLibtorchComputedIt"/> spells out the rule of older releases, which counted every
/// element whose target is not positive as 0, so the whole term is 0 and carries no gradient. The correct term is
/// <see cref="KlDivergence.FromLogits"/>. Kept for teaching: never use either in training code.
/// </summary>
public static class LogTargetMistake
{
    /// <summary>T²·kl_div(log_softmax(s/T), target = log_softmax(t/T), log_target: false), summed and divided by the batch size.</summary>
    public static Tensor AsWritten(Tensor teacherLogits, Tensor studentLogits, double temperature)
    {
        KlDivergence.CheckShapes(teacherLogits, studentLogits);
        var logQ = SoftTargets.LogProbabilities(studentLogits, temperature);
        var logP = SoftTargets.LogProbabilities(teacherLogits.detach(), temperature);
        return functional.kl_div(logQ, logP, reduction: Reduction.Sum, log_target: false) / logP.shape[0] * (temperature * temperature);
    }

    /// <summary>The same call under older libtorch releases: Σ over elements with target &gt; 0 of target·(log target − input), i.e. 0 here.</summary>
    public static Tensor AsOlderLibtorchComputedIt(Tensor teacherLogits, Tensor studentLogits, double temperature)
    {
        KlDivergence.CheckShapes(teacherLogits, studentLogits);
        var logQ = SoftTargets.LogProbabilities(studentLogits, temperature);
        var target = SoftTargets.LogProbabilities(teacherLogits.detach(), temperature);
        var positive = target.gt(0);
        var safeTarget = where(positive, target, ones_like(target));
        var terms = where(positive, target * (safeTarget.log() - logQ), zeros_like(target));
        return terms.sum() / target.shape[0] * (temperature * temperature);
    }
}
