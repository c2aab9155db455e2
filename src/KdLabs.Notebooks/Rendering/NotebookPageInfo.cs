using KdLabs.Notebooks.Execution;

namespace KdLabs.Notebooks.Rendering;

/// <summary>What the header of an executed notebook's HTML page shows.</summary>
public sealed record NotebookPageInfo(string Title, RunStatus Status, TimeSpan Duration)
{
    /// <summary>The parameters the run was given.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>The error line shown under the header, if the run failed.</summary>
    public string? ErrorMessage { get; init; }
}
