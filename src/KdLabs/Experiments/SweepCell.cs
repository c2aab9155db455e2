namespace KdLabs.Experiments;

/// <summary>
/// One (α, T) point of a distillation sweep: the student's accuracy after the last epoch on the lab's evaluation set,
/// which is the test set or, for choosing settings, held-out validation images.
/// </summary>
/// <param name="Alpha">Weight of the hard-label term.</param>
/// <param name="Temperature">Softmax temperature of the soft term.</param>
/// <param name="Accuracy">Accuracy on the <paramref name="EvaluationSet"/> after the last epoch.</param>
/// <param name="Errors">Misclassified images of the <paramref name="EvaluationSet"/>.</param>
/// <param name="TrainSeconds">Training time of the student.</param>
/// <param name="EvaluationSet">The split <paramref name="Accuracy"/> is measured on: "test" or "validation" (<see cref="MnistDistillationLab.EvaluationName"/>).</param>
public sealed record SweepCell(double Alpha, double Temperature, double Accuracy, int Errors, double TrainSeconds, string EvaluationSet = "test");
