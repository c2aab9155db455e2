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
    /// <inheritdoc />
    public string Description => "deep mutual learning: CE + mean KL to the peers, T = 1";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("deep-mutual-learning", new { Temperature = 1 });

    /// <inheritdoc />
    public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation)
    {
    }

    /// <inheritdoc />
    public StepResult Step(nn.Module<Tensor, Tensor> model, Batch batch)
    {
        var cohort = model as MutualLearningCohort ?? throw new ArgumentException("Mutual learning trains a MutualLearningCohort of students.", nameof(model));
        var logits = cohort.ForwardAll(batch.Inputs);
        return new StepResult(DeepMutualLearningLoss.Compute(logits, batch.Labels).Total, logits[0]);
    }
}
