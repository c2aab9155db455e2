using KdLabs.Evaluation;
using KdLabs.Training;

namespace KdLabs.Experiments;

/// <summary>Everything one run of the MNIST lab produced.</summary>
public sealed record MnistDistillationResult(
    MnistDistillationOptions Options,
    string Machine,
    double WallSeconds,
    string TeacherSha256,
    IReadOnlyList<ModelResult> Rows,
    IReadOnlyList<TrainingHistory> Histories,
    IReadOnlyList<ClassificationReport> Reports,
    IReadOnlyList<SeedOutcome> Seeds)
{
    /// <summary>Mean and sample standard deviation of the baseline's and the distilled student's last-epoch test accuracy over seeds.</summary>
    public (SeedStatistics Baseline, SeedStatistics Distilled, SeedStatistics Gain) Summary() =>
        (SeedStatistics.Of(Seeds.Select(s => s.BaselineAccuracy)),
         SeedStatistics.Of(Seeds.Select(s => s.DistilledAccuracy)),
         SeedStatistics.Of(Seeds.Select(s => s.DistilledAccuracy - s.BaselineAccuracy)));
}

/// <summary>One student seed's last-epoch test accuracies and errors, without and with distillation.</summary>
public sealed record SeedOutcome(int Seed, double BaselineAccuracy, double DistilledAccuracy, int BaselineErrors, int DistilledErrors);
