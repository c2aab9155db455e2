namespace KdLabs.Course;

/// <summary>
/// The verdict on one exercise answer: whether it is right, and a message that says what is right or wrong and why.
/// <see cref="ToString"/> is the message with a ✓ or ✗ in front, which is what the kit's runner and Polyglot show.
/// </summary>
/// <param name="Exercise">Which exercise, e.g. "Lesson 01, exercise 1: soft targets at T = 4".</param>
/// <param name="Correct">True when the answer is accepted.</param>
/// <param name="Message">Feedback for the learner: on a wrong answer a hint that does not give the solution away.</param>
public sealed record ExerciseResult(string Exercise, bool Correct, string Message)
{
    /// <summary>"✓ Lesson 01, exercise 1 ...: message" or "✗ ...: message".</summary>
    public override string ToString() => $"{(Correct ? "✓" : "✗")} {Exercise}: {Message}";

    internal static ExerciseResult Right(string exercise, string message) => new(exercise, true, message);

    internal static ExerciseResult Wrong(string exercise, string message) => new(exercise, false, message);
}
