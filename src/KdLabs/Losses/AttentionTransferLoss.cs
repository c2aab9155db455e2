using static TorchSharp.torch;

namespace KdLabs.Losses;

/// <summary>
/// Activation-based attention transfer (Zagoruyko &amp; Komodakis 2017, "Paying More Attention to
/// Attention"). A layer's attention map is Q = Σ_c |A_c|^p over channels (p = 2), flattened to H·W and
/// L2-normalised per sample, q = Q/‖Q‖₂; the student is pulled towards the teacher's q at each chosen
/// layer pair. The normalisation makes the loss blind to the maps' scale, so student and teacher may
/// differ in channel count but not in spatial size (pool first when they do).
/// <para>
/// Two readings of the loss exist (<see cref="AttentionTransferForm"/>): the paper's Eq. 2,
/// β/2 Σ_j ‖q_s − q_t‖₂, and the authors' code, β Σ_j mean((q_s − q_t)²) with β = 1000 in their
/// README. The default is the code's, since that produced the paper's tables and is what later
/// reimplementations copy. The code also averages rather than sums over channels, which the
/// normalisation cancels.
/// </para>
/// </summary>
public sealed class AttentionTransferLoss
{
    // F.normalize's ε: an all-zero map (dead ReLU layer) normalises to 0 instead of NaN.
    private const double NormEpsilon = 1e-12;

    /// <summary>Creates the loss with weight β ≥ 0 and exponent p &gt; 0.</summary>
    public AttentionTransferLoss(double beta = 1000, AttentionTransferForm form = AttentionTransferForm.AuthorsCode, double p = 2)
    {
        ValidateBeta(beta);
        if (!(p > 0) || double.IsInfinity(p))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "The attention exponent p must be a finite number > 0 (the paper uses 2).");
        }
        if (!Enum.IsDefined(form))
        {
            throw new ArgumentOutOfRangeException(nameof(form), form, "Unknown attention-transfer form.");
        }
        Beta = beta;
        Form = form;
        P = p;
    }

    /// <summary>Throws unless β is a finite number ≥ 0: the constructor's check, shared with the AT method's options.</summary>
    public static void ValidateBeta(double beta)
    {
        if (!(beta >= 0) || double.IsInfinity(beta))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "β must be a finite number ≥ 0 (the authors used 1000).");
        }
    }

    /// <summary>Weight β of the attention term.</summary>
    public double Beta { get; }

    /// <summary>Which reading of the loss is computed.</summary>
    public AttentionTransferForm Form { get; }

    /// <summary>Exponent p of the attention map.</summary>
    public double P { get; }

    /// <summary>q = Q/‖Q‖₂ with Q = Σ_c |A_c|^p: batch × (H·W), from batch × C × H × W features.</summary>
    public static Tensor AttentionMap(Tensor features, double p = 2)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 4)
        {
            throw new ArgumentException($"Expected batch × channels × H × W features, got [{string.Join(", ", features.shape)}].", nameof(features));
        }
        var q = features.abs().pow(p).sum(1).flatten(1);
        // Clamp before the sqrt, not after: sqrt's gradient at 0 is ∞, and ∞·0 from a later clamp is NaN.
        return q / q.pow(2).sum(1, keepdim: true).clamp_min(NormEpsilon * NormEpsilon).sqrt();
    }

    /// <summary>
    /// The loss over layer pairs (student[j], teacher[j]). Gradients reach the student features only:
    /// the teacher's are detached.
    /// </summary>
    public Tensor Compute(IReadOnlyList<Tensor> studentFeatures, IReadOnlyList<Tensor> teacherFeatures)
    {
        ArgumentNullException.ThrowIfNull(studentFeatures);
        ArgumentNullException.ThrowIfNull(teacherFeatures);
        if (studentFeatures.Count != teacherFeatures.Count || studentFeatures.Count == 0)
        {
            throw new ArgumentException($"Expected the same non-zero number of student and teacher layers, got {studentFeatures.Count} and {teacherFeatures.Count}.");
        }
        Tensor? total = null;
        for (int j = 0; j < studentFeatures.Count; j++)
        {
            var s = studentFeatures[j];
            var t = teacherFeatures[j];
            if (s.dim() != 4 || t.dim() != 4 || s.shape[0] != t.shape[0] || s.shape[2] != t.shape[2] || s.shape[3] != t.shape[3])
            {
                throw new ArgumentException($"Layer {j}: student [{string.Join(", ", s.shape)}] and teacher [{string.Join(", ", t.shape)}] must both be batch × C × H × W with the same batch and H × W (channels may differ); pool the larger map first.");
            }
            var diff = AttentionMap(s, P) - AttentionMap(t.detach(), P);
            var term = Form == AttentionTransferForm.AuthorsCode
                ? diff.pow(2).mean()
                // clamp keeps the sqrt's gradient finite (0 instead of NaN) when the maps coincide.
                : diff.pow(2).sum(1).clamp_min(1e-24).sqrt().mean();
            total = total is null ? term : total + term;
        }
        double scale = Form == AttentionTransferForm.AuthorsCode ? Beta : Beta / 2;
        return total! * scale;
    }

    /// <inheritdoc />
    public override string ToString() => $"AT(β={Beta:g3}, p={P:g3}, {Form})";
}
