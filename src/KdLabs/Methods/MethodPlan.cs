using static TorchSharp.torch;

namespace KdLabs.Methods;

/// <summary>
/// What <see cref="IDistillationMethod.Plan"/> returns: the student to deploy, the stages that train it, and any peers
/// trained alongside it (deep mutual learning), which the lab evaluates and disposes.
/// </summary>
/// <param name="Student">The student the lab keeps and reports.</param>
/// <param name="Stages">Trained in order.</param>
/// <param name="TrainingOnlyParameters">Parameters trained alongside the student and dropped afterwards (regressors, connectors, peers).</param>
/// <param name="Peers">Other students trained with it, dropped after training.</param>
public sealed record MethodPlan(nn.Module<Tensor, Tensor> Student, IReadOnlyList<MethodStage> Stages, long TrainingOnlyParameters, IReadOnlyList<nn.Module<Tensor, Tensor>> Peers)
{
    /// <summary>One stage training <paramref name="student"/> itself for the whole budget (checkpoint suffix "main").</summary>
    public static MethodPlan SingleStage(nn.Module<Tensor, Tensor> student, Training.ITrainingObjective objective) =>
        new(student, [new MethodStage("main", null, StageEpochs.All, student, objective)], 0, []);
}
