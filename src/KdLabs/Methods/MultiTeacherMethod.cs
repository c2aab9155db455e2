using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Losses;
using KdLabs.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Methods;

/// <summary>How <see cref="MultiTeacherMethod"/> combines its teachers.</summary>
internal enum MultiTeacherMode
{
    /// <summary>The average of their softened distributions as one target.</summary>
    Average,

    /// <summary>One teacher drawn at random per mini-batch.</summary>
    RandomPerBatch,
}

/// <summary>Settings of multi-teacher KD.</summary>
internal sealed record MultiTeacherOptions
{
    /// <summary>Weight α of the hard-label cross-entropy.</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>Softmax temperature T.</summary>
    public double Temperature { get; init; } = 4;

    /// <summary>Throws (marked as a setting: <see cref="Infrastructure.OptionsValidation"/>) when α is outside [0, 1] or T out of range, as <see cref="KdLoss"/> does.</summary>
    public void Validate() => Infrastructure.OptionsValidation.Run(() => KdLoss.Validate(Alpha, Temperature));
}

/// <summary>KD from every teacher of the lab's ensemble (<see cref="MultiTeacherObjective"/>), averaged or one per batch.</summary>
internal sealed class MultiTeacherMethod : IDistillationMethod
{
    /// <summary>Creates the method; <paramref name="options"/> null is the defaults.</summary>
    public MultiTeacherMethod(MultiTeacherMode mode, MultiTeacherOptions? options = null)
    {
        Mode = mode;
        Settings = options ?? new MultiTeacherOptions();
        Settings.Validate();
    }

    /// <summary>Average or random per batch.</summary>
    public MultiTeacherMode Mode { get; }

    /// <summary>Its settings.</summary>
    public MultiTeacherOptions Settings { get; }

    /// <inheritdoc />
    public string Key => Mode == MultiTeacherMode.Average ? "mt-avg" : "mt-random";

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases => [Mode == MultiTeacherMode.Average ? "multi-teacher-avg" : "multi-teacher-random"];

    /// <inheritdoc />
    public string Title => Mode == MultiTeacherMode.Average ? "multi-teacher, averaged" : "multi-teacher, random per batch";

    /// <inheritdoc />
    public string Knowledge => Mode == MultiTeacherMode.Average ? "an ensemble's averaged soft labels" : "one ensemble member per batch";

    /// <inheritdoc />
    public MethodPaper? Paper => new("Fukuda, Suzuki, Kurata, Thomas, Cui & Ramabhadran", 2017, "Efficient Knowledge Distillation from an Ensemble of Teachers");

    /// <inheritdoc />
    public object Options => Settings;

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => Mode == MultiTeacherMode.Average
        ? [new("ce", "CE(y, s)"), new("soft", "T²·KL(mean_k softmax(t_k/T) ‖ softmax(s/T))"), new("total", "α·ce + (1 − α)·soft")]
        : [new("ce", "CE(y, s)"), new("soft", "T²·KL(softmax(t_k/T) ‖ softmax(s/T)), k drawn per batch"), new("total", "α·ce + (1 − α)·soft")];

    /// <inheritdoc />
    public MethodPlan Plan(MethodContext context)
    {
        var student = context.NewStudent();
        var kd = new KdLoss(Settings.Alpha, Settings.Temperature);
        return MethodPlan.SingleStage(student, Mode == MultiTeacherMode.Average
            ? MultiTeacherObjective.Average(context.TeacherLogits, kd)
            : MultiTeacherObjective.RandomPerBatch(context.TeacherLogits, kd, context.Seed));
    }
}

/// <summary>
/// Distillation from several teachers, in one of two ways (Fukuda et al. 2017): the <b>average</b> of their softened
/// distributions as one target (<see cref="MultiTeacherTargets"/>, optionally weighted), or one teacher drawn at
/// random for each mini-batch (<see cref="RandomTeacherPicker"/>). Either way
/// <code>L = α·CE(y, s) + (1 − α)·T²·KL(target ‖ softmax(s/T))</code>
/// as in <see cref="KdLoss"/>. The random draw depends on (seed, epoch, step) only, so a resumed run draws the same teachers.
/// </summary>
internal sealed class MultiTeacherObjective : ITrainingObjective
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

/// <summary>
/// The random-teacher variant of multi-teacher distillation (Fukuda et al. 2017, "Efficient Knowledge
/// Distillation from an Ensemble of Teachers"): each mini-batch is distilled from one teacher drawn
/// uniformly at random, so only one teacher runs per step instead of all of them. The draw is a pure
/// function of (seed, step), not a running RNG, so a resumed run or a re-run batch gets the same teacher.
/// </summary>
internal sealed class RandomTeacherPicker
{
    /// <summary>Creates a picker over <paramref name="teacherCount"/> ≥ 1 teachers.</summary>
    public RandomTeacherPicker(int teacherCount, int seed)
    {
        if (teacherCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(teacherCount), teacherCount, "At least one teacher is needed.");
        }
        TeacherCount = teacherCount;
        Seed = seed;
    }

    /// <summary>Number of teachers to choose from.</summary>
    public int TeacherCount { get; }

    /// <summary>The run seed.</summary>
    public int Seed { get; }

    /// <summary>The teacher (0 … count − 1) for global step <paramref name="step"/>.</summary>
    public int TeacherFor(long step)
    {
        if (step < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "Steps are counted from 0.");
        }
        // Mix returns a non-negative 31-bit value; the modulo bias for a handful of teachers is ~1e-9.
        return SeedMixer.Mix(Seed, 0x7EAC4E5, step) % TeacherCount;
    }
}
