namespace KdLabs.Experiments;

/// <summary>One student of the zoo: which method and seed, its test accuracy after the last epoch, and what it cost.</summary>
/// <param name="Method">The method's key, e.g. "at".</param>
/// <param name="Seed">The student's seed.</param>
/// <param name="Epochs">Passes over the training set, all stages together.</param>
/// <param name="TestAccuracy">Test accuracy after the last epoch (what the tables report).</param>
/// <param name="BestEpochTestAccuracy">Best epoch's test accuracy, for reference only.</param>
/// <param name="TrainSeconds">Training time, all stages, without test passes.</param>
/// <param name="SecondsPerEpoch">TrainSeconds / Epochs.</param>
/// <param name="PeakMemoryMb">Peak resident memory of the process during the run (see <see cref="Evaluation.PeakMemory"/>), or null when the run was restored whole from checkpoints.</param>
/// <param name="TrainingOnlyParameters">Parameters trained alongside the student and dropped afterwards (regressors, connectors, peers).</param>
/// <param name="Note">Anything method-specific, e.g. the peers' accuracy in mutual learning.</param>
public sealed record ZooRow(string Method, int Seed, int Epochs, double TestAccuracy, double BestEpochTestAccuracy, double TrainSeconds,
    double SecondsPerEpoch, double? PeakMemoryMb, long TrainingOnlyParameters, string Note);
