using KdLabs.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Losses;

/// <summary>
/// The data term of the soft decision tree loss (Frosst &amp; Hinton 2017, Eq. 2) for a target distribution T:
/// one-hot labels for plain training, or the teacher's softmax(t/T) for distillation. The paper prints
/// <code>L(x) = −log( Σ_ℓ P_ℓ(x) Σ_k T_k log Q_ℓk )</code>
/// whose argument is ≤ 0, so the formula cannot be taken literally. The paper's sentence defining it,
/// "the cross entropy between each leaf, weighted by its path probability, and the target distribution",
/// is <see cref="SoftTreeLossForm.ExpectedCrossEntropy"/> (the default):
/// <code>L(x) = −Σ_ℓ P_ℓ(x) Σ_k T_k log Q_ℓk</code>
/// Restoring an exp inside the log gives the mixture-of-experts likelihood,
/// <see cref="SoftTreeLossForm.MixtureLikelihood"/>: L(x) = −log Σ_ℓ P_ℓ(x) exp(Σ_k T_k log Q_ℓk).
/// Both are averaged over the batch and computed from log P and log Q (logsumexp), so deep paths with
/// tiny probabilities neither underflow nor give NaN.
/// </summary>
internal sealed class SoftTreeLoss(SoftTreeLossForm form = SoftTreeLossForm.ExpectedCrossEntropy)
{
    /// <summary>Which reading of Eq. 2 is used.</summary>
    public SoftTreeLossForm Form { get; } = form;

    /// <summary>The loss for targets T (N × classes, rows summing to 1), averaged over the batch.</summary>
    public Tensor Compute(SoftTreeRouting routing, Tensor targets) => PerSample(routing, targets).mean();

    /// <summary>The loss of each sample for targets T (N × classes, rows summing to 1): a vector of N.</summary>
    public Tensor PerSample(SoftTreeRouting routing, Tensor targets)
    {
        var logPath = routing.LogPathProbabilities;
        var logLeaves = routing.LeafLogDistributions;
        if (targets.dim() != 2 || targets.shape[0] != logPath.shape[0] || targets.shape[1] != logLeaves.shape[1])
        {
            throw new ArgumentException($"Targets must be {logPath.shape[0]} × {logLeaves.shape[1]} (batch × classes), got [{string.Join(", ", targets.shape)}].");
        }
        // Σ_k T_k log Q_ℓk for every sample and leaf: N × leaves, the negative leaf cross-entropies.
        var targetLogLikelihood = targets.matmul(logLeaves.t());
        return Form switch
        {
            SoftTreeLossForm.ExpectedCrossEntropy => -(logPath.exp() * targetLogLikelihood).sum(1),
            SoftTreeLossForm.MixtureLikelihood => -(logPath + targetLogLikelihood).logsumexp(1),
            _ => throw new InvalidOperationException($"Unknown soft tree loss form {Form}."),
        };
    }

    /// <summary>The loss against integer labels, i.e. one-hot targets.</summary>
    public Tensor Compute(SoftTreeRouting routing, Tensor labels, int classes) =>
        Compute(routing, OneHot(labels, classes, routing.LeafLogDistributions.dtype));

    /// <summary>One-hot rows for int64 labels.</summary>
    public static Tensor OneHot(Tensor labels, int classes, ScalarType dtype = ScalarType.Float32) =>
        functional.one_hot(labels, classes).to_type(dtype);

    /// <inheritdoc />
    public override string ToString() => Form == SoftTreeLossForm.ExpectedCrossEntropy ? "path-weighted leaf cross-entropy" : "mixture likelihood";
}
