using KdLabs.Infrastructure;
using KdLabs.Training;

namespace KdLabs.Experiments;

/// <summary>
/// How a lab trains a model, embedded in each lab's options as <c>Training</c> (a lab with a separately trained teacher
/// adds <c>Teacher</c>): epochs, mini-batch size, Adam's learning rate and its schedule. The defaults here are the
/// common ones; each lab states its own in its options record's initializer, e.g. <c>Training = new() { Epochs = 3 }</c>.
/// </summary>
public sealed record TrainingSettings
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Learning-rate schedule: constant, or cosine annealing to zero over the run (see <see cref="LrSchedule"/>).</summary>
    public LrSchedule Schedule { get; init; } = LrSchedule.Constant;

    /// <summary>
    /// The trainer's settings for one run seeded <paramref name="seed"/>: these four, Adam, everything else the
    /// trainer's default. The one place a lab turns its settings into <see cref="TrainerOptions"/>; it adds what only it
    /// needs (augmentation, evaluation cadence, checkpoint folder) with <c>with</c>.
    /// </summary>
    public TrainerOptions Trainer(int seed) => new()
    {
        Epochs = Epochs, BatchSize = BatchSize, LearningRate = LearningRate, Schedule = Schedule, Seed = seed,
    };

    /// <summary>
    /// Throws (marked as a setting) when one is out of range, naming it as <paramref name="name"/>.<c>Setting</c>, e.g.
    /// <c>Training.Epochs</c>: the CLI shows that setting as its flag. <paramref name="minEpochs"/> and
    /// <paramref name="epochsMeaning"/> let a lab ask for more epochs (the zoo's two-stage methods need two);
    /// <paramref name="maxBatchSize"/> a smaller batch (ResNet activations are large).
    /// </summary>
    public void Validate(string name = "Training", int minEpochs = 1, string? epochsMeaning = null, int maxBatchSize = OptionsValidation.MaxBatchSize) => OptionsValidation.Run(() =>
    {
        OptionsValidation.Between(Epochs, minEpochs, OptionsValidation.MaxEpochs, $"{name}.{nameof(Epochs)}", epochsMeaning);
        OptionsValidation.Between(BatchSize, 1, maxBatchSize, $"{name}.{nameof(BatchSize)}");
        OptionsValidation.Between(LearningRate, 0, OptionsValidation.MaxLearningRate, $"{name}.{nameof(LearningRate)}", minExclusive: true);
        if (!Enum.IsDefined(Schedule))
        {
            throw new ArgumentOutOfRangeException($"{name}.{nameof(Schedule)}", Schedule, $"{name}.{nameof(Schedule)} must be one of {string.Join(", ", Enum.GetNames<LrSchedule>())}.");
        }
    });
}
