namespace KdLabs.Losses;

/// <summary>Which reading of attention transfer's loss <see cref="AttentionTransferLoss"/> computes.</summary>
public enum AttentionTransferForm
{
    /// <summary>
    /// The authors' code (szagoruyko/attention-transfer, utils.py <c>at_loss</c>; also RepDistiller and
    /// mdistiller): β · Σ_layers mean over batch and positions of (q_s − q_t)², the squared difference.
    /// </summary>
    AuthorsCode,

    /// <summary>
    /// The paper's Eq. 2: β/2 · Σ_layers mean over batch of ‖q_s − q_t‖₂, the (unsquared) L2 norm of the
    /// difference of the normalised maps.
    /// </summary>
    PaperEquation,
}
