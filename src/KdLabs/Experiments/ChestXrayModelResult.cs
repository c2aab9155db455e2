namespace KdLabs.Experiments;

/// <summary>
/// One trained model of the chest X-ray lab on the run's evaluation split (test, or validation: <see cref="ChestXrayResult.EvaluationSplit"/>;
/// the "Test" names are kept for the results.json fields), after its last epoch. Sensitivity and specificity are for PNEUMONIA as
/// the positive class; latency is ms per image at batch 1 on <see cref="LatencyComparison.Device"/>. <see cref="BestEpoch"/> is null
/// and <see cref="BestEpochTestAccuracy"/> NaN where the history was measured on another split (the teacher in a validation run).
/// </summary>
public sealed record ChestXrayModelResult(
    string Name,
    string Variant,
    int Seed,
    long Parameters,
    long SizeBytes,
    double TestAccuracy,
    double Sensitivity,
    double Specificity,
    double RocAuc,
    int[][] Confusion,
    double BestEpochTestAccuracy,
    int? BestEpoch,
    double LatencyMs,
    double SpeedupVsTeacher,
    double TrainSeconds,
    double[] RocFpr,
    double[] RocTpr);
