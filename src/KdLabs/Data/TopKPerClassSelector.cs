using static TorchSharp.torch;

namespace KdLabs.Data;

/// <summary>
/// The samples <see cref="TopKPerClassSelector"/> kept: <see cref="Indices"/> into the pool, grouped by
/// class (class 0 first) and most confident first within a class; <see cref="CountsPerClass"/>[c]
/// of them were predicted as class c (≤ k; fewer when the pool has fewer such samples), and
/// <see cref="PredictedClasses"/>[i] is the class <see cref="Indices"/>[i] was kept for.
/// </summary>
public sealed record TopKSelection(long[] Indices, long[] CountsPerClass, long[] PredictedClasses);

/// <summary>
/// SSLD's data selection (Cui et al. 2021, PaddleClas): run the teacher over an unlabeled pool, assign
/// each sample to the class the teacher predicts, and keep the k samples with the highest teacher
/// probability for that class, so the new set holds at most classes × k images and no class can
/// crowd out the rest. This follows the "top-k per class" of Yalniz et al. (2019, "Billion-scale
/// semi-supervised learning"), restricted to the top-1 prediction: their variant ranks by every
/// class's score, so one image can enter several classes' lists.
/// </summary>
internal static class TopKPerClassSelector
{
    /// <summary>
    /// Selects from teacher probabilities (N × C, rows are distributions; logits also rank correctly
    /// since softmax is monotone per row). Ties go to the lower index, so the result is deterministic.
    /// </summary>
    public static TopKSelection Select(Tensor teacherProbabilities, int k)
    {
        ArgumentNullException.ThrowIfNull(teacherProbabilities);
        if (teacherProbabilities.dim() != 2)
        {
            throw new ArgumentException($"Expected pool × classes teacher probabilities, got {teacherProbabilities.dim()} dimensions.", nameof(teacherProbabilities));
        }
        if (k < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, "k (samples kept per class) must be at least 1.");
        }
        int classes = (int)teacherProbabilities.shape[1];
        using var scope = NewDisposeScope();
        var (confidence, predicted) = teacherProbabilities.detach().to(ScalarType.Float64).cpu().max(1);
        var conf = confidence.data<double>().ToArray();
        var pred = predicted.data<long>().ToArray();

        var counts = new long[classes];
        var indices = new List<long>();
        var classesOfIndices = new List<long>();
        var byClass = Enumerable.Range(0, pred.Length).GroupBy(i => pred[i]).ToDictionary(g => g.Key, g => g.ToList());
        for (long c = 0; c < classes; c++)
        {
            if (!byClass.TryGetValue(c, out var members))
            {
                continue;
            }
            // OrderBy is stable, so equal confidences keep ascending pool order.
            foreach (int i in members.OrderByDescending(i => conf[i]).Take(k))
            {
                indices.Add(i);
                classesOfIndices.Add(c);
            }
            counts[c] = Math.Min(k, members.Count);
        }
        return new TopKSelection(indices.ToArray(), counts, classesOfIndices.ToArray());
    }
}
