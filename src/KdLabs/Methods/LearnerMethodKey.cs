namespace KdLabs.Methods;

/// <summary>The key of a learner's method: "learner-" and its name in lower case, runs of other characters as one dash ("my AT" → "learner-my-at").</summary>
internal static class LearnerMethodKey
{
    public static string From(string name)
    {
        var slug = System.Text.RegularExpressions.Regex.Replace(name.Trim().ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-');
        return "learner-" + (slug.Length == 0 ? "loss" : slug);
    }
}
