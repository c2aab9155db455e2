namespace KdLabs.Evaluation;

/// <summary>
/// Accuracy, error count, per-class accuracy and the confusion matrix of one model on one labelled set.
/// <see cref="Confusion"/>[true, predicted] counts samples.
/// </summary>
public sealed record ClassificationReport(int Count, int Errors, double Accuracy, double[] PerClassAccuracy, int[][] Confusion)
{
    /// <summary>Builds the report from predicted and true classes.</summary>
    public static ClassificationReport From(long[] predictions, long[] labels, int classes)
    {
        if (predictions.Length != labels.Length)
        {
            throw new ArgumentException($"{predictions.Length} predictions for {labels.Length} labels.");
        }
        var confusion = new int[classes][];
        for (int c = 0; c < classes; c++)
        {
            confusion[c] = new int[classes];
        }
        int errors = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            confusion[labels[i]][predictions[i]]++;
            if (labels[i] != predictions[i])
            {
                errors++;
            }
        }
        var perClass = confusion.Select((row, c) => row.Sum() == 0 ? double.NaN : (double)row[c] / row.Sum()).ToArray();
        double accuracy = labels.Length == 0 ? double.NaN : 1.0 - (double)errors / labels.Length;
        return new ClassificationReport(labels.Length, errors, accuracy, perClass, confusion);
    }

    /// <summary>Fraction of samples on which two models predict the same class.</summary>
    public static double Agreement(long[] a, long[] b)
    {
        if (a.Length != b.Length || a.Length == 0)
        {
            throw new ArgumentException($"Agreement needs two equally long, non-empty prediction lists ({a.Length} vs {b.Length}).");
        }
        int same = 0;
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] == b[i])
            {
                same++;
            }
        }
        return (double)same / a.Length;
    }
}
