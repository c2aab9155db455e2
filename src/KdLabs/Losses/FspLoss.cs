using static TorchSharp.torch;

namespace KdLabs.Losses;

/// <summary>
/// The "flow of solution procedure" loss (Yim et al. 2017, "A Gift from Knowledge Distillation: Fast
/// Optimization, Network Minimization and Transfer Learning"). For two layers F1 (m channels) and
/// F2 (n channels) of the same H × W the FSP matrix is
/// <code>G_ij = Σ_{h,w} F1[i, h, w] · F2[j, h, w] / (H·W)</code>
/// (m × n per sample), and the loss is
/// <code>L = mean over pairs of [ mean over batch of ‖G_s − G_t‖²_F ]</code>
/// the squared Frobenius norm summed over the m·n entries, equal weights λ_i as in the paper.
/// Normalisation: RepDistiller's FSP takes the mean over entries too ((G_s − G_t)².mean()), i.e.
/// divides each pair by a further m·n; scale the loss weight by that to compare. Student and teacher
/// pairs must have the same channel counts, since G's shape depends on them.
/// </summary>
public static class FspLoss
{
    /// <summary>The FSP matrix G (batch × m × n) of two batch × C × H × W layers with the same batch and H × W.</summary>
    public static Tensor Matrix(Tensor first, Tensor second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.dim() != 4 || second.dim() != 4 || first.shape[0] != second.shape[0] || first.shape[2] != second.shape[2] || first.shape[3] != second.shape[3])
        {
            throw new ArgumentException($"FSP needs two batch × C × H × W layers with the same batch and H × W, got [{string.Join(", ", first.shape)}] and [{string.Join(", ", second.shape)}]; pool the larger one first.");
        }
        long n = first.shape[0];
        long hw = first.shape[2] * first.shape[3];
        var a = first.reshape(n, first.shape[1], hw);
        var b = second.reshape(n, second.shape[1], hw);
        return a.bmm(b.transpose(1, 2)) / hw;
    }

    /// <summary>
    /// The loss over layer pairs: student pair k gives G_s, teacher pair k gives G_t. Gradients reach
    /// the student features only: the teacher's are detached.
    /// </summary>
    public static Tensor Compute(IReadOnlyList<(Tensor First, Tensor Second)> studentPairs, IReadOnlyList<(Tensor First, Tensor Second)> teacherPairs)
    {
        ArgumentNullException.ThrowIfNull(studentPairs);
        ArgumentNullException.ThrowIfNull(teacherPairs);
        if (studentPairs.Count != teacherPairs.Count || studentPairs.Count == 0)
        {
            throw new ArgumentException($"Expected the same non-zero number of student and teacher layer pairs, got {studentPairs.Count} and {teacherPairs.Count}.");
        }
        Tensor? total = null;
        for (int k = 0; k < studentPairs.Count; k++)
        {
            var gs = Matrix(studentPairs[k].First, studentPairs[k].Second);
            var gt = Matrix(teacherPairs[k].First.detach(), teacherPairs[k].Second.detach());
            if (!gs.shape.SequenceEqual(gt.shape))
            {
                throw new ArgumentException($"Pair {k}: student FSP matrix [{string.Join(", ", gs.shape)}] and teacher's [{string.Join(", ", gt.shape)}] differ; FSP needs equal channel counts (add a projection first).");
            }
            var term = (gs - gt).pow(2).sum() / gs.shape[0];
            total = total is null ? term : total + term;
        }
        return total! / studentPairs.Count;
    }
}
