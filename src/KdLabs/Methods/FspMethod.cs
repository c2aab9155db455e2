using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Methods;

/// <summary>Settings of FSP.</summary>
public sealed record FspOptions
{
    /// <summary>First layer of the flow matrix G(first, second).</summary>
    public string FirstLayer { get; init; } = "conv1";

    /// <summary>Second layer of the flow matrix.</summary>
    public string SecondLayer { get; init; } = "conv2";
}

/// <summary>FSP: match the teacher's flow matrix through 1×1 connectors (<see cref="FspObjective"/>, stage-one epochs), then the labels (the rest).</summary>
public sealed class FspMethod(FspOptions? options = null) : IDistillationMethod
{
    /// <summary>Its settings.</summary>
    public FspOptions Settings { get; } = options ?? new FspOptions();

    /// <inheritdoc />
    public string Key => "fsp";

    /// <inheritdoc />
    public string Title => "FSP (flow → labels)";

    /// <inheritdoc />
    public string Knowledge => "the flow between two layers";

    /// <inheritdoc />
    public MethodPaper? Paper => new("Yim, Joo, Bae & Kim", 2017,
        "A Gift from Knowledge Distillation: Fast Optimization, Network Minimization and Transfer Learning");

    /// <inheritdoc />
    public object Options => Settings;

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => [new("fsp", "stage 1: squared distance of the flow matrices G(first, second) (FspLoss)"), new("ce", "stage 2: CE(y, s)")];

    /// <inheritdoc />
    public MethodPlan Plan(MethodContext context)
    {
        var student = context.NewStudent();
        context.SeedAdapters();
        var adapters = new Dictionary<string, nn.Module<Tensor, Tensor>>();
        foreach (var layer in new[] { Settings.FirstLayer, Settings.SecondLayer })
        {
            adapters[FspObjective.ConnectorName(layer)] = nn.Conv2d(context.Channels(student, layer), context.Channels(context.Teacher, layer), 1);
        }
        var adapted = new AdaptedStudent(student, adapters);
        return new MethodPlan(student,
        [
            new MethodStage("fsp", "FSP stage", StageEpochs.StageOne, adapted, new FspObjective(context.FeatureTeacher(), Settings.FirstLayer, Settings.SecondLayer), adapters.Values.ToList()),
            new MethodStage("labels", "label stage", StageEpochs.Rest, student, new SupervisedObjective()),
        ], adapted.AdapterParameterCount, []);
    }
}
