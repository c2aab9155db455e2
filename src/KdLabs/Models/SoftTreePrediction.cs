namespace KdLabs.Models;

/// <summary>How a <see cref="SoftDecisionTree"/> turns its leaves into one prediction (Frosst &amp; Hinton 2017, §2).</summary>
public enum SoftTreePrediction
{
    /// <summary>log Σ_ℓ P_ℓ(x) Q_ℓ: every leaf's distribution weighted by its path probability. Differentiable; the default.</summary>
    Mixture,

    /// <summary>log Q_ℓ* of the single leaf ℓ* with the largest path probability: the paper's explainable prediction.</summary>
    MaxLeaf,
}
