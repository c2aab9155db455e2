namespace KdLabs.Course;

/// <summary>
/// The check behind every multiple-choice exercise: one explanation per choice, so a wrong answer is told why it
/// is wrong, not only that it is; '?' is "not answered yet".
/// </summary>
internal static class MultipleChoice
{
    public static ExerciseResult Check(string title, char answer, char right, IReadOnlyDictionary<char, string> feedback)
    {
        var keys = feedback.Keys.Order().ToList();
        char a = char.ToLowerInvariant(answer);
        if (a == '?')
        {
            return ExerciseResult.Wrong(title, $"not answered yet: replace '?' with {string.Join(", ", keys.SkipLast(1).Select(k => $"'{k}'"))} or '{keys[^1]}'.");
        }
        if (!feedback.TryGetValue(a, out var why))
        {
            return ExerciseResult.Wrong(title, $"'{answer}' is not one of the choices {string.Join(", ", keys)}.");
        }
        return a == right ? ExerciseResult.Right(title, why) : ExerciseResult.Wrong(title, why);
    }
}
