using KdLabs.Evaluation;

namespace KdLabs.Tests;

public class ChestXrayMetricsTests
{
    [Fact]
    public void SensitivitySpecificityAndAucFollowTheirDefinitions()
    {
        // Positive class 1. Scores: positives 0.9, 0.8, 0.4; negatives 0.7, 0.2, 0.1, 0.4 (a tie with a positive).
        double[] scores = [0.9, 0.8, 0.4, 0.7, 0.2, 0.1, 0.4];
        long[] labels = [1, 1, 1, 0, 0, 0, 0];
        var m = BinaryMetrics.From(scores, labels, positiveClass: 1);
        Assert.Equal((2, 1, 3, 1), (m.TruePositives, m.FalsePositives, m.TrueNegatives, m.FalseNegatives));
        Assert.Equal(2.0 / 3, m.Sensitivity, 12);
        Assert.Equal(3.0 / 4, m.Specificity, 12);
        Assert.Equal(5.0 / 7, m.Accuracy, 12);
        // Pairs (pos > neg): 0.9 beats 4, 0.8 beats 4, 0.4 beats 2 and ties 1 → (4 + 4 + 2 + 0.5) / 12.
        Assert.Equal(10.5 / 12, m.RocAuc, 12);
        var (fpr, tpr) = BinaryMetrics.RocCurve(scores, labels.Select(l => l == 1).ToArray());
        Assert.Equal((0.0, 0.0), (fpr[0], tpr[0]));
        Assert.Equal((1.0, 1.0), (fpr[^1], tpr[^1]));
        Assert.True(double.IsNaN(BinaryMetrics.AreaUnderRoc([0.1, 0.2], [true, true])));
    }

    [Fact]
    public void CliWritesTheSyntheticStandIn()
    {
        string dir = TestData.TempDirectory();
        var (code, output) = CliRunner.Run("data", "synth", "chest-xray", "--count", "20", "--seed", "3", "--pixels", "48", "--out", dir);
        Assert.True(code == 0, output);
        Assert.Contains("SYNTHETIC STAND-IN", output);
        Assert.Contains("train: 20 images (NORMAL 5, PNEUMONIA 15", output);
        Assert.Equal(15, Directory.GetFiles(Path.Combine(dir, "train", "PNEUMONIA"), "*.jpeg").Length);
    }
}
