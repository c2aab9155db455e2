using KdLabs.Data;
using KdLabs.Evaluation;
using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Methods;

/// <summary>Settings of deep mutual learning.</summary>
internal sealed record MutualLearningOptions
{
    /// <summary>Students trained together; the first is the one reported.</summary>
    public int CohortSize { get; init; } = 2;

    /// <summary>Throws (marked as a setting: <see cref="Infrastructure.OptionsValidation"/>) unless the cohort has 2 to <see cref="Infrastructure.OptionsValidation.MaxListLength"/> students.</summary>
    public void Validate() => Infrastructure.OptionsValidation.Between(CohortSize, 2, Infrastructure.OptionsValidation.MaxListLength, nameof(CohortSize), "mutual learning needs a peer");
}

/// <summary>Deep mutual learning: a cohort of students, each learning the labels and its peers (<see cref="MutualLearningObjective"/>); no teacher.</summary>
internal sealed class MutualLearningMethod : IDistillationMethod
{
    /// <summary>Creates the method; <paramref name="options"/> null is the defaults.</summary>
    public MutualLearningMethod(MutualLearningOptions? options = null)
    {
        Settings = options ?? new MutualLearningOptions();
        Settings.Validate();
    }

    /// <summary>Its settings.</summary>
    public MutualLearningOptions Settings { get; }

    /// <inheritdoc />
    public string Key => "dml";

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases => ["mutual-learning"];

    /// <inheritdoc />
    public string Title => "deep mutual learning";

    /// <inheritdoc />
    public string Knowledge => "peers' predictions (no teacher)";

    /// <inheritdoc />
    public MethodPaper? Paper => new("Zhang, Xiang, Hospedales & Lu", 2018, "Deep Mutual Learning");

    /// <inheritdoc />
    public object Options => Settings;

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => [new("ce", "Σ_k CE(y, s_k)"), new("peers", "Σ_k mean_{j≠k} KL(softmax(s_j) ‖ softmax(s_k)), peers detached")];

    /// <inheritdoc />
    public MethodPlan Plan(MethodContext context)
    {
        var students = Enumerable.Range(0, Settings.CohortSize).Select(context.StudentFactory).ToList();
        var cohort = new MutualLearningCohort(students);
        return new MethodPlan(students[0], [new MethodStage("main", null, StageEpochs.All, cohort, new MutualLearningObjective(Settings.CohortSize))],
            ModelStats.ParameterCount(cohort) - ModelStats.ParameterCount(students[0]), students.Skip(1).ToList());
    }
}

/// <summary>
/// Deep mutual learning (Zhang et al. 2018): every student of a <see cref="MutualLearningCohort"/> learns the labels
/// and, through <see cref="DeepMutualLearningLoss"/>, its peers' predictions; no pretrained teacher is involved.
/// The step's loss is the sum of the students' losses (each updates only its own student); the logits reported
/// for training accuracy are the first student's.
/// </summary>
internal sealed class MutualLearningObjective : ITrainingObjective
{
    /// <summary>Creates the objective for a cohort of <paramref name="cohortSize"/> students.</summary>
    public MutualLearningObjective(int cohortSize = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cohortSize, 2);
        CohortSize = cohortSize;
    }

    /// <summary>Students in the cohort this objective trains.</summary>
    public int CohortSize { get; }

    /// <inheritdoc />
    public string Description => $"deep mutual learning: CE + mean KL to the peers, T = 1, {CohortSize} students";

    // The cohort size is part of the identity: a stored two-student run is neither the result of, nor a checkpoint
    // to resume for, a three-student cohort (the model's type name is the same for both).
    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("deep-mutual-learning", new { Temperature = 1, CohortSize });

    /// <inheritdoc />
    public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation)
    {
    }

    /// <inheritdoc />
    public StepResult Step(nn.Module<Tensor, Tensor> model, Batch batch)
    {
        var cohort = model as MutualLearningCohort ?? throw new ArgumentException("Mutual learning trains a MutualLearningCohort of students.", nameof(model));
        if (cohort.Students.Count != CohortSize)
        {
            throw new ArgumentException($"This objective is for a cohort of {CohortSize} students; the model has {cohort.Students.Count}.", nameof(model));
        }
        var logits = cohort.ForwardAll(batch.Inputs);
        return new StepResult(DeepMutualLearningLoss.Compute(logits, batch.Labels).Total, logits[0]);
    }
}

/// <summary>The parts of deep mutual learning's loss: one loss per student, and their sum for a single backward.</summary>
internal sealed record MutualLearningTerms(IReadOnlyList<Tensor> Losses, IReadOnlyList<Tensor> CrossEntropies, IReadOnlyList<Tensor> Mimicry, Tensor Total);

/// <summary>
/// Deep mutual learning (Zhang, Xiang, Hospedales &amp; Lu 2018): K students train together, each also
/// matching the others' predictions,
/// <code>L_k = CE(y, s_k) + 1/(K − 1) Σ_{j≠k} KL(p_j ‖ p_k)</code>
/// with p = softmax(s) (T = 1) and p_j detached in L_k, so L_k only updates student k. The paper
/// alternates updates between students; with the peers detached, summing the L_k and taking one
/// step gives each student exactly its own gradient, computed from the same peer predictions.
/// </summary>
internal static class DeepMutualLearningLoss
{
    /// <summary>Computes every student's loss from their logits (K ≥ 2, same shape) and integer labels.</summary>
    public static MutualLearningTerms Compute(IReadOnlyList<Tensor> studentLogits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(studentLogits);
        ArgumentNullException.ThrowIfNull(labels);
        int k = studentLogits.Count;
        if (k < 2)
        {
            throw new ArgumentException($"Mutual learning needs at least 2 students, got {k}.", nameof(studentLogits));
        }
        for (int i = 1; i < k; i++)
        {
            KlDivergence.CheckShapes(studentLogits[0], studentLogits[i]);
        }
        if (labels.shape.Length != 1 || labels.shape[0] != studentLogits[0].shape[0])
        {
            throw new ArgumentException($"Expected {studentLogits[0].shape[0]} labels, got shape [{string.Join(", ", labels.shape)}].", nameof(labels));
        }
        var logP = studentLogits.Select(s => functional.log_softmax(s, -1)).ToArray();
        var losses = new Tensor[k];
        var ces = new Tensor[k];
        var mimicry = new Tensor[k];
        for (int i = 0; i < k; i++)
        {
            ces[i] = functional.nll_loss(logP[i], labels);
            Tensor? sum = null;
            for (int j = 0; j < k; j++)
            {
                if (j == i)
                {
                    continue;
                }
                var kl = KlDivergence.BatchMean(logP[j].detach(), logP[i]);
                sum = sum is null ? kl : sum + kl;
            }
            mimicry[i] = sum! / (k - 1);
            losses[i] = ces[i] + mimicry[i];
        }
        var total = losses.Skip(1).Aggregate(losses[0], (a, b) => a + b);
        return new MutualLearningTerms(losses, ces, mimicry, total);
    }
}
