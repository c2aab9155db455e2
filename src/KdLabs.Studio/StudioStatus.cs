namespace KdLabs.Studio;

/// <summary>
/// The studio's start as the page shows it: the phase, a sentence, and while the teacher trains its epoch and step, running
/// and last test accuracy and the time left (at the pace so far); on failure the error and its stack trace.
/// </summary>
public sealed record StudioStatus(StudioPhase Phase, string Message)
{
    /// <summary>The teacher's current epoch (1-based), while it trains.</summary>
    public int? Epoch { get; init; }

    /// <summary>The teacher's epochs.</summary>
    public int? Epochs { get; init; }

    /// <summary>Batches done in the current epoch.</summary>
    public int? Step { get; init; }

    /// <summary>Batches in an epoch.</summary>
    public int? Steps { get; init; }

    /// <summary>Running training accuracy of the current epoch.</summary>
    public double? TrainAccuracy { get; init; }

    /// <summary>Test accuracy after the last finished epoch.</summary>
    public double? TestAccuracy { get; init; }

    /// <summary>Seconds left in the teacher's training at the pace so far (evaluation passes not counted).</summary>
    public double? SecondsLeft { get; init; }

    /// <summary>Why the start failed, with the exception's type and stack trace (also in the log).</summary>
    public string? Error { get; init; }

    /// <summary>True once runs may be submitted.</summary>
    public bool Ready => Phase == StudioPhase.Ready;

    /// <summary>The phase as the API spells it: loading-data, training-teacher, teacher-logits, ready, failed….</summary>
    public string State => Phase switch
    {
        StudioPhase.LoadingData => "loading-data",
        StudioPhase.TrainingTeacher => "training-teacher",
        StudioPhase.TeacherLogits => "teacher-logits",
        _ => Phase.ToString().ToLowerInvariant(),
    };

    /// <summary>What a request that needs the engine is told before it is ready, e.g. "The teacher is still training (epoch 2 of 5)…".</summary>
    public string NotReadyMessage() => Phase switch
    {
        StudioPhase.Failed => $"The studio could not start: {FirstLine(Error)} The terminal has the stack trace; fix the cause and start `kdlabs studio` again.",
        StudioPhase.Stopped => "The studio is stopping.",
        StudioPhase.TrainingTeacher when Epoch is { } e && Epochs is { } n =>
            $"The teacher is still training (epoch {e} of {n}{(SecondsLeft is { } left ? $", about {Duration(left)} left" : "")}); the page starts training when it is ready.",
        _ => $"The studio is not ready yet: {Message}; the page starts training when it is ready.",
    };

    /// <summary>"8 s", "1 min 40 s", "1 h 5 min": as the terminal's progress lines say it.</summary>
    public static string Duration(double seconds)
    {
        long s = (long)Math.Round(Math.Max(0, seconds));
        return s switch
        {
            < 60 => $"{s} s",
            < 3600 => s % 60 == 0 ? $"{s / 60} min" : $"{s / 60} min {s % 60} s",
            _ => $"{s / 3600} h {s % 3600 / 60} min",
        };
    }

    private static string FirstLine(string? text) => (text ?? "unknown error").Split('\n')[0].Trim();
}
