using static TorchSharp.torch;

namespace KdLabs.Training.Schedules;

/// <summary>
/// Linear warmup then cosine decay, stepped per optimizer step (Goyal et al. 2017 for the warmup,
/// Loshchilov &amp; Hutter 2017 for the cosine; SSLD trains with this "cosine_decay_warmup"):
/// <code>
/// lr(t) = base·(s + (1 − s)·t/W)                                   for t &lt; W
/// lr(t) = floor + (base − floor)·½(1 + cos(π·(t − W)/(S − W)))      for W ≤ t ≤ S
/// </code>
/// with W warmup steps, S total steps and s the start factor. Step t is the LR used by the t-th update
/// (t = 0 … S − 1); the curve reaches the floor at t = S, one past the last update, as PaddleClas's
/// LinearWarmup + CosineAnnealingDecay and PyTorch's schedulers do, so no update is spent at the floor.
/// </summary>
internal sealed class WarmupCosineSchedule
{
    /// <summary>Creates the schedule; 0 ≤ W ≤ S, S ≥ 1, base &gt; 0, 0 ≤ floor ≤ base, 0 ≤ s ≤ 1.</summary>
    public WarmupCosineSchedule(double baseLearningRate, int totalSteps, int warmupSteps, double startFactor = 0, double finalLearningRate = 0)
    {
        if (!(baseLearningRate > 0) || double.IsInfinity(baseLearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(baseLearningRate), baseLearningRate, "The base learning rate must be a finite number greater than 0.");
        }
        if (totalSteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "The schedule needs at least one step.");
        }
        if (warmupSteps < 0 || warmupSteps > totalSteps)
        {
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, $"Warmup steps must be in [0, {totalSteps}] (the total step count).");
        }
        if (!(startFactor >= 0 && startFactor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(startFactor), startFactor, "The warmup start factor must be in [0, 1] (0 starts from LR 0, 1 means no warmup ramp).");
        }
        if (!(finalLearningRate >= 0 && finalLearningRate <= baseLearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(finalLearningRate), finalLearningRate, $"The final learning rate must be in [0, {baseLearningRate}] (the base rate).");
        }
        BaseLearningRate = baseLearningRate;
        TotalSteps = totalSteps;
        WarmupSteps = warmupSteps;
        StartFactor = startFactor;
        FinalLearningRate = finalLearningRate;
    }

    /// <summary>Peak learning rate, reached at the end of warmup.</summary>
    public double BaseLearningRate { get; }

    /// <summary>Number of optimizer steps S in the whole run.</summary>
    public int TotalSteps { get; }

    /// <summary>Number of warmup steps W.</summary>
    public int WarmupSteps { get; }

    /// <summary>Fraction s of the base rate used at step 0.</summary>
    public double StartFactor { get; }

    /// <summary>The floor the cosine decays to.</summary>
    public double FinalLearningRate { get; }

    /// <summary>The learning rate for update <paramref name="step"/> (0-based); steps past the end stay at the floor.</summary>
    public double LearningRateAt(int step)
    {
        if (step < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "Steps are counted from 0.");
        }
        if (step < WarmupSteps)
        {
            return BaseLearningRate * (StartFactor + (1 - StartFactor) * step / WarmupSteps);
        }
        double progress = WarmupSteps == TotalSteps ? 1 : Math.Min(1.0, (double)(step - WarmupSteps) / (TotalSteps - WarmupSteps));
        return FinalLearningRate + (BaseLearningRate - FinalLearningRate) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }

    /// <summary>
    /// Sets every parameter group's LR for <paramref name="step"/> and returns the schedule's value.
    /// Each group is scaled by its own initial LR over the base, lr_g = lr(t)·initial_g/base, so
    /// layer-wise multipliers (<see cref="LayerwiseLrMultipliers"/>) survive; only the LR is touched,
    /// never weight decay or momentum.
    /// </summary>
    public double ApplyTo(optim.Optimizer optimizer, int step)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        double lr = LearningRateAt(step);
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = group.InitialLearningRate * (lr / BaseLearningRate);
        }
        return lr;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"warmup {WarmupSteps} steps from {StartFactor:0.###}× then cosine to {FinalLearningRate:g3} over {TotalSteps} steps, base {BaseLearningRate:g3}";
}
