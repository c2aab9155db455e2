using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Methods;

/// <summary>
/// Deep mutual learning (Zhang et al. 2018): every student of a <see cref="MutualLearningCohort"/> learns the labels
/// and, through <see cref="DeepMutualLearningLoss"/>, its peers' predictions; no pretrained teacher is involved.
/// The step's loss is the sum of the students' losses (each updates only its own student); the logits reported
/// for training accuracy are the first student's.
/// </summary>
public sealed class MutualLearningObjective : ITrainingObjective
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
