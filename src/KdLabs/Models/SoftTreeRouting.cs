using static TorchSharp.torch;

namespace KdLabs.Models;

/// <summary>
/// Everything one pass of a batch through a <see cref="SoftDecisionTree"/> produces. Inner nodes are in
/// heap order (root 0, children of i at 2i+1 and 2i+2), leaves left to right.
/// </summary>
/// <param name="LogPathProbabilities">log P_ℓ(x), N × leaves; computed in log space so deep paths do not underflow.</param>
/// <param name="InnerPathProbabilities">P^i(x), the probability of reaching inner node i, N × inner.</param>
/// <param name="RightProbabilities">p_i(x) = σ(β(x·w_i + b_i)), N × inner.</param>
/// <param name="LeafLogDistributions">log Q_ℓ = log softmax(φ_ℓ), leaves × classes.</param>
public sealed record SoftTreeRouting(
    Tensor LogPathProbabilities,
    Tensor InnerPathProbabilities,
    Tensor RightProbabilities,
    Tensor LeafLogDistributions)
{
    /// <summary>P_ℓ(x), N × leaves; each row sums to 1.</summary>
    public Tensor PathProbabilities => LogPathProbabilities.exp();

    /// <summary>log Σ_ℓ P_ℓ(x) Q_ℓ, N × classes: the tree's averaged prediction, computed with logsumexp.</summary>
    public Tensor MixtureLogProbabilities =>
        (LogPathProbabilities.unsqueeze(2) + LeafLogDistributions.unsqueeze(0)).logsumexp(1);

    /// <summary>Index of the leaf with the largest path probability, N (int64).</summary>
    public Tensor MaxLeaf => LogPathProbabilities.argmax(1);
}
