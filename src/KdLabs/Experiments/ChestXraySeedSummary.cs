namespace KdLabs.Experiments;

/// <summary>Mean ± sample standard deviation over seeds of one student variant, and its paired gain over the no-KD student.</summary>
public sealed record ChestXraySeedSummary(
    string Variant, int Seeds,
    double AccuracyMean, double AccuracyStd,
    double SensitivityMean, double SpecificityMean,
    double AucMean, double AucStd,
    double AccuracyGainMean, double AccuracyGainStd,
    double AucGainMean, double AucGainStd);
