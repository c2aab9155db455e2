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
    IReadOnlyList<ClassificationReport> Reports);
