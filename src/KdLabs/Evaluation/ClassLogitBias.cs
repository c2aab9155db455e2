using static TorchSharp.torch;

namespace KdLabs.Evaluation;

/// <summary>
/// Hinton, Vinyals &amp; Dean (2015), section 3: a student distilled on a transfer set without one class still
/// learns that class from the teacher's soft targets, but its logit for it is too low; adding a constant to that one
/// logit recovers most of it (they raised the bias of the 3 by 3.5). The shift is fitted here on held-out labelled
/// images, never on the test set: the shift from a grid that makes the fewest errors there (the smallest on a tie).
/// </summary>
internal static class ClassLogitBias
{
    /// <summary>Candidate shifts: 0 to 20 in steps of 0.25.</summary>
    public static IReadOnlyList<double> Grid { get; } = Enumerable.Range(0, 81).Select(i => i * 0.25).ToArray();

    /// <summary>Predictions after adding <paramref name="shift"/> to column <paramref name="classIndex"/> of the logits.</summary>
    public static long[] Predict(Tensor logits, int classIndex, double shift)
    {
        using var scope = NewDisposeScope();
        var bias = zeros(logits.shape[1], dtype: logits.dtype, device: logits.device);
        bias[classIndex] = tensor(shift, dtype: logits.dtype, device: logits.device);
        return Predictor.ArgMax(logits + bias);
    }

    /// <summary>The shift from <see cref="Grid"/> with the fewest errors on these labelled logits (held-out data).</summary>
    public static double Fit(Tensor logits, long[] labels, int classIndex)
    {
        double best = 0;
        int bestErrors = int.MaxValue;
        foreach (double shift in Grid)
        {
            var predictions = Predict(logits, classIndex, shift);
            int errors = predictions.Where((p, i) => p != labels[i]).Count();
            if (errors < bestErrors)
            {
                (best, bestErrors) = (shift, errors);
            }
        }
        return best;
    }
}
