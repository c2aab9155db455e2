namespace KdLabs.Training;

/// <summary>The loss became NaN or infinite; training stopped before writing anything from the bad epoch.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
