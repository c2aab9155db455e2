namespace KdLabs.Experiments;

/// <summary>
/// One trained model of the chest X-ray lab on the test set, after its last epoch. Sensitivity and
/// specificity are for PNEUMONIA as the positive class; latency is CPU ms per image at batch 1.
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
    int BestEpoch,
    double LatencyMs,
    double SpeedupVsTeacher,
    double TrainSeconds,
    double[] RocFpr,
    double[] RocTpr);
