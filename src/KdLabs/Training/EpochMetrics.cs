namespace KdLabs.Training;

/// <summary>One epoch's numbers. Accuracies are fractions in [0, 1]; test accuracy is NaN without a test set.</summary>
public sealed record EpochMetrics(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double TestAccuracy,
    double LearningRate,
    double Seconds,
    double ImagesPerSecond);
