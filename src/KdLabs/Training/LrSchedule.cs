namespace KdLabs.Training;

/// <summary>Learning-rate schedules, stepped once per epoch.</summary>
public enum LrSchedule
{
    /// <summary>Constant learning rate.</summary>
    Constant,

    /// <summary>Multiply by <see cref="TrainerOptions.StepGamma"/> every <see cref="TrainerOptions.StepSize"/> epochs.</summary>
    Step,

    /// <summary>Cosine annealing from the initial rate to zero over the run.</summary>
    Cosine,
}
