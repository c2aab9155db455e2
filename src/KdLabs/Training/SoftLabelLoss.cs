namespace KdLabs.Training;

/// <summary>How a label-free student is pulled towards the teacher's soft labels (the losses SSLD compares).</summary>
public enum SoftLabelLoss
{
    /// <summary>Cross-entropy with soft targets, −Σ p_t log p_s (KL plus the teacher's entropy, a constant).</summary>
    SoftCrossEntropy,

    /// <summary>KL(p_t ‖ p_s), batch mean (<see cref="Losses.KlDivergence"/>).</summary>
    Kl,

    /// <summary>Jensen–Shannon divergence, bounded by ln 2 (<see cref="Losses.JsDivergence"/>).</summary>
    Js,

    /// <summary>½KL(p_t ‖ p_s) + ½KL(p_s ‖ p_t), what PaddleClas's code computes as "JS" (<see cref="Losses.SymmetricKlDivergence"/>).</summary>
    SymmetricKl,
}
