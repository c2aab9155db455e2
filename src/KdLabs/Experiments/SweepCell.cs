namespace KdLabs.Experiments;

/// <summary>One (α, T) point of a distillation sweep: the student's test accuracy after the last epoch.</summary>
public sealed record SweepCell(double Alpha, double Temperature, double TestAccuracy, int Errors, double TrainSeconds);
