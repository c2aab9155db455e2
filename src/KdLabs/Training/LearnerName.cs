namespace KdLabs.Training;

/// <summary>The name a learner gives a loss or method written in a cell: required, since runs, rows and progress lines show it.</summary>
internal static class LearnerName
{
    public static string Required(string name, string example) =>
        string.IsNullOrWhiteSpace(name) ? throw new ArgumentException($"Give it a name, e.g. \"{example}\".", nameof(name)) : name;
}
