using KdLabs.Evaluation;
using KdLabs.Training;

namespace KdLabs.Experiments;

/// <summary>Everything one run of the MNIST lab produced.</summary>
/// <remarks>
/// <c>TeacherEvaluationOverlap</c>:
/// How many of the evaluation images the teacher trained on: in a validation run whose teacher trains on all training images
/// (or more than the training images minus the validation split), its accuracy and the students' agreement with it are partly
/// measured on its own training images. Always 0 on the test set.
/// </remarks>
public sealed record MnistDistillationResult(
    MnistDistillationOptions Options,
    string Machine,
    double WallSeconds,
    string TeacherSha256,
    IReadOnlyList<ModelResult> Rows,
    IReadOnlyList<TrainingHistory> Histories,
    IReadOnlyList<ClassificationReport> Reports,
    IReadOnlyList<SeedOutcome> Seeds,
    IReadOnlyList<OmittedClassOutcome> Omitted,
    string EvaluationName,
    int TeacherTrainingImages,
    int TransferImages,
    int TeacherEvaluationOverlap = 0)
{
    /// <summary>True when the teacher trained on some of the images its accuracy and the agreement column are measured on.</summary>
    public bool TeacherSawEvaluationImages => TeacherEvaluationOverlap > 0;

    /// <summary>
    /// True when the teacher's training history (so its best-epoch accuracy) was measured on another set than the rows' accuracies:
    /// the teacher is always trained against the test set, so in a validation run its best epoch is a test-set maximum.
    /// </summary>
    public bool TeacherHistoryOnOtherSet => EvaluationName != "test";

    /// <summary>Mean and sample standard deviation of the baseline's and the distilled student's last-epoch test accuracy over seeds.</summary>
    public (SeedStatistics Baseline, SeedStatistics Distilled, SeedStatistics Gain) Summary() =>
        (SeedStatistics.Of(Seeds.Select(s => s.BaselineAccuracy)),
         SeedStatistics.Of(Seeds.Select(s => s.DistilledAccuracy)),
         SeedStatistics.Of(Seeds.Select(s => s.DistilledAccuracy - s.BaselineAccuracy)));
}

/// <summary>One student seed's last-epoch test accuracies and errors, without and with distillation.</summary>
public sealed record SeedOutcome(int Seed, double BaselineAccuracy, double DistilledAccuracy, int BaselineErrors, int DistilledErrors);

/// <summary>
/// One student of Hinton's omitted-class experiment on the evaluation set: errors overall and on the omitted class, before
/// and after adding <see cref="Shift"/> (fitted on held-out training images) to that class's logit.
/// </summary>
public sealed record OmittedClassOutcome(string Model, int Seed, int Class, double Shift, int ClassCount,
    int Errors, int ClassErrors, int ErrorsAfterShift, int ClassErrorsAfterShift, double[] PerClassAccuracy, double[] PerClassAccuracyAfterShift)
{
    /// <summary>One line, e.g. "student (KD) seed 1: 206 errors, 133 of 1,010 3s; bias +3.5: 109 errors, 14 on 3s".</summary>
    public string Summary() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Model}: {Errors} errors, {ClassErrors} of {ClassCount:N0} {Class}s; bias +{Shift:0.##}: {ErrorsAfterShift} errors, {ClassErrorsAfterShift} on {Class}s");
}
