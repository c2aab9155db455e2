namespace KdLabs.Losses;

/// <summary>
/// The two readings of Frosst &amp; Hinton's (2017) Eq. 2, L(x) = −log(Σ_ℓ P_ℓ(x) Σ_k T_k log Q_ℓk), which as
/// printed takes the log of a number ≤ 0 (Σ_k T_k log Q_ℓk is a negative cross-entropy) and so is undefined.
/// See <see cref="SoftTreeLoss"/>.
/// </summary>
public enum SoftTreeLossForm
{
    /// <summary>
    /// L = −Σ_ℓ P_ℓ(x) Σ_k T_k log Q_ℓk: each leaf's cross-entropy with the target, weighted by its path
    /// probability. This is what the paper's text says the loss is ("minimize the cross entropy between
    /// each leaf, weighted by its path probability, and the target distribution"): Eq. 2 without the outer log.
    /// Every leaf on a likely path must be right on its own, which makes the leaves "bigots".
    /// </summary>
    ExpectedCrossEntropy,

    /// <summary>
    /// L = −log Σ_ℓ P_ℓ(x) exp(Σ_k T_k log Q_ℓk): Eq. 2 with the missing exp, the mixture-of-experts
    /// likelihood of Jacobs, Jordan, Nowlan &amp; Hinton (1991). For one-hot T it is −log Σ_ℓ P_ℓ Q_ℓy,
    /// the negative log-likelihood of the mixture prediction. By Jensen it is ≤ the expected cross-entropy.
    /// </summary>
    MixtureLikelihood,
}
