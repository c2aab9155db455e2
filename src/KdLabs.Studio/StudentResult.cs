namespace KdLabs.Studio;

/// <summary>
/// A finished student run, kept by its run key so revisiting the same settings is instant: its final test accuracy,
/// its logits on the page's shown test digits, and the events it streamed (replayed to a page that asks again).
/// </summary>
public sealed record StudentResult(string Key, string Student, string Method, double Alpha, double Temperature, int Epochs, int TrainSize, int Seed,
    double TestAccuracy, double BestTestAccuracy, int BestEpoch, double Seconds, float[][] ShownLogits, IReadOnlyList<StudioEvent> Events);
