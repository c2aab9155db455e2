namespace KdLabs.Experiments;

/// <summary>
/// What the teacher's softened outputs carry at one temperature, over the training set: the mean
/// probability on the class it does not pick (with two classes, the only "dark knowledge" there is),
/// and the mean entropy in bits (1 bit = a coin flip).
/// </summary>
public sealed record SoftTargetRow(double Temperature, double MeanOtherClassProbability, double MeanEntropyBits);
