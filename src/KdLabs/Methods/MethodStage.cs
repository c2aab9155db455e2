using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Methods;

/// <summary>
/// One training stage of a method: what it trains (the student, or the student wrapped with its adapters, or a cohort),
/// against which objective, for which share of the budget. The lab trains the stages in order, checkpointing stage
/// <see cref="Name"/> under "{key}-s{seed}-{Name}", and disposes <see cref="Adapters"/> (and the objective, when disposable) after it.
/// </summary>
/// <param name="Name">Checkpoint suffix, e.g. "main", "hint", "kd".</param>
/// <param name="Label">Appended to the method's title in progress lines ("hint stage"), or null for a single stage.</param>
/// <param name="Epochs">Its share of the budget.</param>
/// <param name="Model">The module the trainer optimises.</param>
/// <param name="Objective">What it minimises.</param>
/// <param name="Adapters">Modules trained in this stage only and dropped after it (FitNets' regressor, FSP's connectors).</param>
public sealed record MethodStage(string Name, string? Label, StageEpochs Epochs, nn.Module<Tensor, Tensor> Model, ITrainingObjective Objective,
    IReadOnlyList<nn.Module<Tensor, Tensor>> Adapters)
{
    /// <summary>A stage without adapters.</summary>
    public MethodStage(string name, string? label, StageEpochs epochs, nn.Module<Tensor, Tensor> model, ITrainingObjective objective)
        : this(name, label, epochs, model, objective, [])
    {
    }
}
