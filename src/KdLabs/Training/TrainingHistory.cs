namespace KdLabs.Training;

/// <summary>The per-epoch metrics of one training run.</summary>
public sealed class TrainingHistory
{
    /// <summary>Creates an empty history for <paramref name="runName"/>.</summary>
    public TrainingHistory(string runName, IEnumerable<EpochMetrics>? epochs = null)
    {
        RunName = runName;
        Epochs = epochs?.ToList() ?? [];
    }

    /// <summary>The run's name, e.g. "student (KD)".</summary>
    public string RunName { get; }

    /// <summary>Metrics in epoch order.</summary>
    public List<EpochMetrics> Epochs { get; }

    /// <summary>The last epoch's metrics.</summary>
    public EpochMetrics Last => Epochs.Count > 0 ? Epochs[^1] : throw new InvalidOperationException($"{RunName}: no epoch has finished.");

    /// <summary>The epoch with the best test accuracy.</summary>
    public EpochMetrics Best => Epochs.MaxBy(e => e.TestAccuracy) ?? throw new InvalidOperationException($"{RunName}: no epoch has finished.");

    /// <summary>Total training seconds.</summary>
    public double TotalSeconds => Epochs.Sum(e => e.Seconds);
}
