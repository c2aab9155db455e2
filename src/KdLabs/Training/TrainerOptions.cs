using System.Text.Json;
using KdLabs.Data;

namespace KdLabs.Training;

/// <summary>Everything that decides how a model is trained. One <see cref="Seed"/> drives data order, dropout and augmentation.</summary>
public sealed record TrainerOptions
{
    /// <summary>Passes over the training set.</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Initial learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Optimizer.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>Momentum for SGD.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>L2 weight decay (decoupled for AdamW).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Learning-rate schedule.</summary>
    public LrSchedule Schedule { get; init; } = LrSchedule.Constant;

    /// <summary>Epochs between decays for <see cref="LrSchedule.Step"/>.</summary>
    public int StepSize { get; init; } = 1;

    /// <summary>Decay factor for <see cref="LrSchedule.Step"/>.</summary>
    public double StepGamma { get; init; } = 0.7;

    /// <summary>Warmup length for <see cref="LrSchedule.WarmupCosine"/>, in epochs (fractions allowed).</summary>
    public double WarmupEpochs { get; init; }

    /// <summary>
    /// Layer-wise learning-rate multipliers, one per stage of an <see cref="Models.IStagedModel"/> (e.g. 0.1 for a
    /// pretrained backbone, 1 for the head), or null for one learning rate. Each stage keeps <see cref="WeightDecay"/>.
    /// </summary>
    public IReadOnlyList<double>? StageMultipliers { get; init; }

    /// <summary>
    /// Max-norm constraint: after every optimizer step each constrained unit's incoming weight vector is scaled back to
    /// this L2 norm when it is longer (Hinton et al. 2012; Srivastava et al. 2014), or null for none. The model must
    /// implement it (the MLPs do, on their hidden units).
    /// </summary>
    public double? MaxNorm { get; init; }

    /// <summary>Seed for shuffling, dropout and augmentation.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Training-time augmentation, or null.</summary>
    public IBatchAugmentation? Augmentation { get; init; }

    /// <summary>
    /// Epochs between test-set evaluations (the last epoch is always evaluated; skipped epochs record NaN). Many short
    /// epochs on a small training set can spend more time on the test set than on training; results do not depend on it.
    /// </summary>
    public int EvaluateEvery { get; init; } = 1;

    /// <summary>Batch size for evaluation passes.</summary>
    public int EvalBatchSize { get; init; } = Evaluation.Predictor.DefaultBatchSize;

    /// <summary>
    /// Steps between progress refreshes. The running loss is read back from the tensor (and checked
    /// for NaN/Inf) only then, so the hot loop has no per-step host synchronisation.
    /// </summary>
    public int ReportEvery { get; init; } = 25;

    /// <summary>Folder for the run's checkpoint, or null for none.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Continue from the checkpoint in <see cref="CheckpointDirectory"/> when it matches these options.</summary>
    public bool Resume { get; init; } = true;

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate() => Infrastructure.OptionsValidation.Run(ValidateSettings);

    private void ValidateSettings()
    {
        // Finite bounds on both sides: a value past them is a typo that would overflow in libtorch or run for days.
        Infrastructure.OptionsValidation.Between(Epochs, 1, Infrastructure.OptionsValidation.MaxEpochs, nameof(Epochs));
        Infrastructure.OptionsValidation.Between(BatchSize, 1, Infrastructure.OptionsValidation.MaxBatchSize, nameof(BatchSize));
        Infrastructure.OptionsValidation.Between(LearningRate, 0, Infrastructure.OptionsValidation.MaxLearningRate, nameof(LearningRate), minExclusive: true);
        Infrastructure.OptionsValidation.Between(WeightDecay, 0, 1, nameof(WeightDecay));
        Infrastructure.OptionsValidation.Between(Momentum, 0, 1, nameof(Momentum));
        Infrastructure.OptionsValidation.Between(StepGamma, 0, 1, nameof(StepGamma), minExclusive: true);
        Infrastructure.OptionsValidation.Between(ReportEvery, 1, 1_000_000, nameof(ReportEvery));
        Infrastructure.OptionsValidation.Between(EvaluateEvery, 1, Infrastructure.OptionsValidation.MaxEpochs, nameof(EvaluateEvery));
        Infrastructure.OptionsValidation.Between(EvalBatchSize, 1, Infrastructure.OptionsValidation.MaxBatchSize, nameof(EvalBatchSize));
        Infrastructure.OptionsValidation.Between(StepSize, 1, Infrastructure.OptionsValidation.MaxEpochs, nameof(StepSize));
        if (MaxNorm is { } maxNorm)
        {
            Infrastructure.OptionsValidation.Between(maxNorm, 0, LargestMaxNorm, nameof(MaxNorm), minExclusive: true, meaning: "leave it unset for no constraint");
        }
        Check(double.IsFinite(WarmupEpochs) && WarmupEpochs >= 0 && WarmupEpochs <= Epochs, nameof(WarmupEpochs), WarmupEpochs, "between 0 and Epochs");
        Check(StageMultipliers is null || (StageMultipliers.Count > 0 && StageMultipliers.All(m => m >= 0 && double.IsFinite(m))),
            nameof(StageMultipliers), StageMultipliers is null ? "" : string.Join(",", StageMultipliers), "a non-empty list of finite numbers ≥ 0");
    }

    /// <summary>A stable text of the settings that change results, used to match checkpoints.</summary>
    public string Fingerprint()
    {
        string core = JsonSerializer.Serialize(new
        {
            Epochs, BatchSize, LearningRate, Optimizer = Optimizer.ToString(), Momentum, WeightDecay,
            Schedule = Schedule.ToString(), StepSize, StepGamma, Seed, Augmentation = Augmentation?.Name,
        });
        // Appended only when used, so checkpoints written before these settings existed still match.
        string layerwise = Schedule != LrSchedule.WarmupCosine && StageMultipliers is null
            ? core
            : core + JsonSerializer.Serialize(new { WarmupEpochs, StageMultipliers });
        return MaxNorm is null ? layerwise : layerwise + JsonSerializer.Serialize(new { MaxNorm });
    }

    /// <summary>
    /// The settings that change a trained model, as JSON numbers (round-trip exact) and names, for <see cref="RunKey"/>.
    /// Unlike <see cref="Fingerprint"/> it always lists every such setting: run keys have no older format to match.
    /// </summary>
    public System.Text.Json.Nodes.JsonObject RunIdentity()
    {
        var identity = RunKey.Settings("trainer", new
        {
            Epochs, BatchSize, LearningRate, Optimizer, Momentum, WeightDecay, Schedule, StepSize, StepGamma, WarmupEpochs,
            StageMultipliers, Seed, Augmentation = Augmentation?.Name,
        });
        // Named only when set, so every teacher and student trained before the constraint existed keeps its key.
        if (MaxNorm is { } maxNorm)
        {
            identity[nameof(MaxNorm)] = maxNorm;
        }
        return identity;
    }

    /// <summary>The largest max-norm accepted: far above any weight norm a trained net reaches, so a larger value is a typo.</summary>
    internal const double LargestMaxNorm = 1000;

    private static void Check(bool ok, string name, object value, string expected)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be {expected}.");
        }
    }
}
