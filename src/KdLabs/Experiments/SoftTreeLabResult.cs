using KdLabs.Training;

namespace KdLabs.Experiments;

/// <summary>One trained tree's numbers. Accuracies are fractions on the lab's evaluation set (test or validation) after the last epoch.</summary>
/// <param name="Kind"><see cref="HardLabel"/> or <see cref="Distilled"/>.</param>
/// <param name="Seed">Seed of the initial weights and data order.</param>
/// <param name="MixtureAccuracy">Arg-max of Σ_ℓ P_ℓ(x) Q_ℓ.</param>
/// <param name="MaxLeafAccuracy">Arg-max of the leaf with the largest path probability (the paper's explainable prediction).</param>
/// <param name="BestEpochAccuracy">Best mixture accuracy over epochs (for reference only: choosing it looks at the evaluation set).</param>
/// <param name="BestEpoch">Epoch of <paramref name="BestEpochAccuracy"/>.</param>
/// <param name="Parameters">Trainable and fixed parameters of the tree.</param>
/// <param name="Beta">The inverse temperature β after training.</param>
/// <param name="TrainSeconds">Training time.</param>
public sealed record SoftTreeRun(string Kind, int Seed, double MixtureAccuracy, double MaxLeafAccuracy, double BestEpochAccuracy, int BestEpoch,
    long Parameters, double Beta, double TrainSeconds)
{
    /// <summary>Kind of a tree trained on the labels.</summary>
    public const string HardLabel = "labels";

    /// <summary>Kind of a tree trained on the teacher's soft targets.</summary>
    public const string Distilled = "distilled";
}

/// <summary>Everything one run of the soft-tree lab produced.</summary>
/// <remarks>
/// <c>TeacherEvaluationOverlap</c>:
/// How many of the evaluation images the teacher trained on: in a validation run the trees' validation images are training
/// images, and the MNIST lab's teacher trains on all of them by default, so its accuracy is then partly on its own training images.
/// Always 0 on the test set, and without a teacher row.
/// </remarks>
public sealed record SoftTreeLabResult(
    SoftTreeLabOptions Options,
    string EvaluationSet,
    string Machine,
    double WallSeconds,
    string TeacherSha256,
    double TeacherAccuracy,
    long TeacherParameters,
    IReadOnlyList<SoftTreeRun> Runs,
    IReadOnlyList<TrainingHistory> Histories,
    int TeacherEvaluationOverlap = 0)
{
    /// <summary>True when the teacher trained on some of the images its accuracy row is measured on.</summary>
    public bool TeacherSawEvaluationImages => TeacherEvaluationOverlap > 0;

    /// <summary>Frosst &amp; Hinton's (2017) MNIST numbers: depth-8 tree on labels, distilled, and their conv-net teacher.</summary>
    public static (double HardLabel, double Distilled, double Teacher) Paper => (0.9445, 0.9676, 0.9921);

    /// <summary>Mixture accuracy over seeds for one kind of tree.</summary>
    public SeedStatistics Mixture(string kind) => SeedStatistics.Of(Of(kind).Select(r => r.MixtureAccuracy));

    /// <summary>Max-leaf accuracy over seeds for one kind of tree.</summary>
    public SeedStatistics MaxLeaf(string kind) => SeedStatistics.Of(Of(kind).Select(r => r.MaxLeafAccuracy));

    /// <summary>Distilled minus hard-label accuracy, paired by seed (null without hard-label trees).</summary>
    public SeedStatistics? Gain(bool maxLeaf = false)
    {
        var pairs = Of(SoftTreeRun.Distilled).Join(Of(SoftTreeRun.HardLabel), d => d.Seed, h => h.Seed,
            (d, h) => maxLeaf ? d.MaxLeafAccuracy - h.MaxLeafAccuracy : d.MixtureAccuracy - h.MixtureAccuracy).ToArray();
        return pairs.Length == 0 ? null : SeedStatistics.Of(pairs);
    }

    /// <summary>True when at least one tree of <paramref name="kind"/> was trained.</summary>
    public bool Has(string kind) => Runs.Any(r => r.Kind == kind);

    private IEnumerable<SoftTreeRun> Of(string kind) => Runs.Where(r => r.Kind == kind);
}
