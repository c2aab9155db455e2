using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Methods;

/// <summary>
/// Distillation from several teachers, in one of two ways (Fukuda et al. 2017): the <b>average</b> of their softened
/// distributions as one target (<see cref="MultiTeacherTargets"/>, optionally weighted), or one teacher drawn at
/// random for each mini-batch (<see cref="RandomTeacherPicker"/>). Either way
/// <code>L = α·CE(y, s) + (1 − α)·T²·KL(target ‖ softmax(s/T))</code>
/// as in <see cref="KdLoss"/>. The random draw depends on (seed, epoch, step) only, so a resumed run draws the same teachers.
/// </summary>
public sealed class MultiTeacherObjective : ITrainingObjective
{
    private readonly IReadOnlyList<ITeacherSignal> teachers;
    private readonly KdLoss loss;
    private readonly IReadOnlyList<double>? weights;
    private readonly RandomTeacherPicker? picker;
    private long step;

    private MultiTeacherObjective(IReadOnlyList<ITeacherSignal> teachers, KdLoss loss, IReadOnlyList<double>? weights, RandomTeacherPicker? picker)
    {
        if (teachers.Count < 1)
        {
            throw new ArgumentException("At least one teacher is needed.", nameof(teachers));
        }
        this.teachers = teachers;
        this.loss = loss;
        this.weights = weights;
        this.picker = picker;
    }

    /// <summary>Distils the (weighted) average of the teachers' softened distributions.</summary>
    public static MultiTeacherObjective Average(IReadOnlyList<ITeacherSignal> teachers, KdLoss loss, IReadOnlyList<double>? weights = null) =>
        new(teachers, loss, weights, null);

    /// <summary>Distils one teacher per mini-batch, drawn uniformly from a stream fixed by <paramref name="seed"/>.</summary>
    public static MultiTeacherObjective RandomPerBatch(IReadOnlyList<ITeacherSignal> teachers, KdLoss loss, int seed) =>
        new(teachers, loss, null, new RandomTeacherPicker(teachers.Count, seed));

    /// <summary>The teacher that global step <paramref name="globalStep"/> distils from (random mode only).</summary>
    public int TeacherFor(long globalStep) => picker?.TeacherFor(globalStep) ?? throw new InvalidOperationException("Only the random-teacher mode draws a teacher per step.");

    /// <inheritdoc />
    public string Description => picker is null
        ? $"{loss} from the average of {teachers.Count} teachers{(weights is null ? "" : $" weighted {string.Join("/", weights)}")}: {string.Join("; ", teachers.Select(t => t.Description))}"
        : $"{loss} from one of {teachers.Count} teachers per batch (seed {picker.Seed}): {string.Join("; ", teachers.Select(t => t.Description))}";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings(picker is null ? "multi-teacher-average" : "multi-teacher-random", new
    {
        loss.Alpha, loss.Temperature, Weights = weights, picker?.Seed, Teachers = teachers.Select(t => t.RunIdentity).ToList(),
    });

    /// <inheritdoc />
    public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation)
    {
        foreach (var t in teachers)
        {
            t.CheckCompatible(train, augmentation);
        }
    }

    /// <inheritdoc />
    public void StartEpoch(int epoch, int stepsPerEpoch) => step = (long)(epoch - 1) * stepsPerEpoch;

    /// <inheritdoc />
    public StepResult Step(Module<Tensor, Tensor> model, Batch batch)
    {
        var logits = model.forward(batch.Inputs);
        Tensor total;
        if (picker is not null)
        {
            total = loss.Compute(logits, teachers[picker.TeacherFor(step)].LogitsFor(batch), batch.Labels).Total;
        }
        else
        {
            var soft = MultiTeacherTargets.DistillationLoss(teachers.Select(t => t.LogitsFor(batch)).ToList(), logits, loss.Temperature, weights);
            total = loss.Alpha * functional.cross_entropy(logits, batch.Labels) + (1 - loss.Alpha) * soft;
        }
        step++;
        return new StepResult(total, logits);
    }
}
