namespace KdLabs.Training;

/// <summary>Learning-rate schedules: per epoch, except <see cref="WarmupCosine"/>, which is set before every update.</summary>
public enum LrSchedule
{
    /// <summary>Constant learning rate.</summary>
    Constant,

    /// <summary>Multiply by <see cref="TrainerOptions.StepGamma"/> every <see cref="TrainerOptions.StepSize"/> epochs.</summary>
    Step,

    /// <summary>Cosine annealing from the initial rate to zero over the run.</summary>
    Cosine,

    /// <summary>
    /// Linear warmup over <see cref="TrainerOptions.WarmupEpochs"/> then cosine decay to zero, set before every
    /// optimizer step (SSLD's "cosine_decay_warmup"; <see cref="Schedules.WarmupCosineSchedule"/>).
    /// </summary>
    WarmupCosine,
}
