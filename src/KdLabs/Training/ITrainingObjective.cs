using KdLabs.Data;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>
/// What a training run minimises. The objective runs the model's forward pass itself, so objectives
/// that need more than logits (soft trees, feature-based distillation) fit the same trainer.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>A short description for logs and reports.</summary>
    string Description { get; }

    /// <summary>
    /// What identifies runs of this objective in a <see cref="RunKey"/>: its name and every setting that changes
    /// training, as numbers (never formatted text), with the teacher signal's own identity. Build it with
    /// <see cref="RunKey.Settings"/>; two objectives that train differently must give different identities.
    /// </summary>
    System.Text.Json.Nodes.JsonObject RunIdentity { get; }

    /// <summary>Called once before training on <paramref name="train"/>, e.g. to check or build caches.</summary>
    void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation);

    /// <summary>
    /// Called at the start of every epoch, before its first <see cref="Step"/>, so an objective that changes over
    /// training (a ramp, a teacher drawn per step) can count steps from (epoch, step) and resume exactly.
    /// </summary>
    void StartEpoch(int epoch, int stepsPerEpoch)
    {
    }

    /// <summary>Forward pass and loss for one batch.</summary>
    StepResult Step(nn.Module<Tensor, Tensor> model, Batch batch);
}
