namespace KdLabs.Training;

/// <summary>Receives a training run's progress as it happens.</summary>
public interface IProgressSink
{
    /// <summary>An epoch of <paramref name="steps"/> batches begins.</summary>
    void StartEpoch(int epoch, int epochs, int steps);

    /// <summary>Running numbers after <paramref name="step"/> batches of the current epoch.</summary>
    void Update(int step, double loss, double accuracy, double imagesPerSecond);

    /// <summary>The epoch finished with these metrics.</summary>
    void EndEpoch(EpochMetrics metrics);

    /// <summary>Where a long step between the batches stands (the evaluation pass); line sinks print it, others may ignore it.</summary>
    void Note(string line)
    {
    }
}

/// <summary>Shows training progress; <see cref="Run"/> wraps a whole run so a live display can own the console.</summary>
public interface ITrainingProgress
{
    /// <summary>Runs <paramref name="body"/> with a sink that displays its progress under <paramref name="title"/>.</summary>
    T Run<T>(string title, Func<IProgressSink, T> body);
}
