using static TorchSharp.torch;

namespace KdLabs.Evaluation;

/// <summary>
/// Two-class results with one class called positive (PNEUMONIA): the confusion counts, sensitivity
/// (recall, TPR) = TP / (TP + FN), specificity (TNR) = TN / (TN + FP), precision = TP / (TP + FP),
/// accuracy, and the ROC AUC of the positive-class score. AUC is the Mann–Whitney statistic, the
/// probability that a random positive scores above a random negative (ties count ½), computed from
/// average ranks; it does not depend on the 0.5 threshold the other numbers use.
/// </summary>
internal sealed record BinaryMetrics(
    int TruePositives, int FalsePositives, int TrueNegatives, int FalseNegatives,
    double Sensitivity, double Specificity, double Precision, double Accuracy, double RocAuc)
{
    /// <summary>Metrics from positive-class scores (probabilities) and labels; predicted positive when score ≥ <paramref name="threshold"/>.</summary>
    public static BinaryMetrics From(double[] positiveScores, long[] labels, int positiveClass, double threshold = 0.5)
    {
        if (positiveScores.Length != labels.Length)
        {
            throw new ArgumentException($"{positiveScores.Length} scores for {labels.Length} labels.");
        }
        int tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            bool actual = labels[i] == positiveClass;
            bool predicted = positiveScores[i] >= threshold;
            if (actual)
            {
                tp += predicted ? 1 : 0;
                fn += predicted ? 0 : 1;
            }
            else
            {
                fp += predicted ? 1 : 0;
                tn += predicted ? 0 : 1;
            }
        }
        var positive = labels.Select(l => l == positiveClass).ToArray();
        return new BinaryMetrics(tp, fp, tn, fn,
            Ratio(tp, tp + fn), Ratio(tn, tn + fp), Ratio(tp, tp + fp), Ratio(tp + tn, labels.Length), AreaUnderRoc(positiveScores, positive));
    }

    /// <summary>Metrics from N×2 logits: the score is softmax's probability of <paramref name="positiveClass"/>.</summary>
    public static BinaryMetrics FromLogits(Tensor logits, long[] labels, int positiveClass) =>
        From(PositiveScores(logits, positiveClass), labels, positiveClass);

    /// <summary>softmax(logits)[:, positiveClass] as a managed array.</summary>
    public static double[] PositiveScores(Tensor logits, int positiveClass)
    {
        using var p = nn.functional.softmax(logits.to_type(ScalarType.Float64), 1).select(1, positiveClass).cpu().contiguous();
        return p.data<double>().ToArray();
    }

    /// <summary>Area under the ROC curve by the rank-sum (Mann–Whitney U) formula; NaN when a class is absent.</summary>
    public static double AreaUnderRoc(double[] scores, bool[] positive)
    {
        int nPos = positive.Count(p => p), nNeg = positive.Length - nPos;
        if (nPos == 0 || nNeg == 0)
        {
            return double.NaN;
        }
        var order = Enumerable.Range(0, scores.Length).OrderBy(i => scores[i]).ToArray();
        double rankSumPositive = 0;
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && scores[order[end + 1]] == scores[order[start]])
            {
                end++;
            }
            double averageRank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++)
            {
                if (positive[order[k]])
                {
                    rankSumPositive += averageRank;
                }
            }
            start = end + 1;
        }
        return (rankSumPositive - nPos * (nPos + 1) / 2.0) / ((double)nPos * nNeg);
    }

    /// <summary>ROC curve points (false-positive rate, true-positive rate), one per distinct threshold, from (0, 0) to (1, 1).</summary>
    public static (double[] Fpr, double[] Tpr) RocCurve(double[] scores, bool[] positive)
    {
        int nPos = Math.Max(1, positive.Count(p => p)), nNeg = Math.Max(1, positive.Length - positive.Count(p => p));
        var order = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ToArray();
        var fpr = new List<double> { 0 };
        var tpr = new List<double> { 0 };
        int tp = 0, fp = 0;
        for (int k = 0; k < order.Length; k++)
        {
            tp += positive[order[k]] ? 1 : 0;
            fp += positive[order[k]] ? 0 : 1;
            if (k == order.Length - 1 || scores[order[k + 1]] != scores[order[k]])
            {
                fpr.Add((double)fp / nNeg);
                tpr.Add((double)tp / nPos);
            }
        }
        return (fpr.ToArray(), tpr.ToArray());
    }

    private static double Ratio(int a, int b) => b == 0 ? double.NaN : (double)a / b;
}
