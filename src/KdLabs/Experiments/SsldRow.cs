namespace KdLabs.Experiments;

/// <summary>One trained student of the SSLD lab: which recipe, which seed, and its test accuracy after the last epoch.</summary>
/// <param name="Group">"main" or "ablation".</param>
/// <param name="Name">The recipe, e.g. "SSLD (JS, top-k + labelled)".</param>
/// <param name="Seed">The student's seed.</param>
/// <param name="TrainImages">Images per epoch.</param>
/// <param name="Epochs">Epochs trained (for the fine-tune row: the fine-tune's own).</param>
/// <param name="TestAccuracy">Test accuracy after the last epoch.</param>
/// <param name="BestEpochTestAccuracy">Best epoch's test accuracy, for reference only.</param>
/// <param name="TrainSeconds">Training time.</param>
public sealed record SsldRow(string Group, string Name, int Seed, int TrainImages, int Epochs, double TestAccuracy, double BestEpochTestAccuracy, double TrainSeconds);
