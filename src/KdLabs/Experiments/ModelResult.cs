namespace KdLabs.Experiments;

/// <summary>One row of a lab's comparison table. Accuracies are fractions; latencies are milliseconds per image (median) on the run's device (the device its Machine description ends with).</summary>
public sealed record ModelResult(
    string Name,
    long Parameters,
    long SizeBytes,
    double TestAccuracy,
    int Errors,
    double BestEpochTestAccuracy,
    int BestEpoch,
    double AgreementWithTeacher,
    double LatencyMsBatch1,
    double LatencyMsBatch256,
    double SpeedupVsTeacherBatch1,
    double TrainSeconds);
