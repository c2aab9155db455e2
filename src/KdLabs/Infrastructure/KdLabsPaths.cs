namespace KdLabs.Infrastructure;

/// <summary>
/// Where the kit keeps data and runs. The data folder is <c>$KDLABS_DATA</c> when set, otherwise the
/// <c>data/</c> folder of the checkout (found by walking up to <c>KdLabs.sln</c>), otherwise
/// <c>./data</c>, so the CLI, the tests and notebooks opened from any sub-folder agree.
/// </summary>
public static class KdLabsPaths
{
    /// <summary>The repository root, or null when not running from a checkout.</summary>
    public static string? RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The folder holding downloaded data sets.</summary>
    public static string DataDirectory =>
        Environment.GetEnvironmentVariable("KDLABS_DATA") is { Length: > 0 } env
            ? Path.GetFullPath(env)
            : Path.Combine(RepositoryRoot ?? Directory.GetCurrentDirectory(), "data");

    /// <summary>The folder for caches that can be rebuilt at any time (teacher checkpoints, decoded images).</summary>
    public static string CacheDirectory =>
        Environment.GetEnvironmentVariable("KDLABS_CACHE") is { Length: > 0 } env
            ? Path.GetFullPath(env)
            : Path.Combine(RepositoryRoot ?? Directory.GetCurrentDirectory(), "runs", "cache");

    /// <summary>
    /// The folder lab runs write under: <c>runs/</c> of the checkout, otherwise <c>./runs</c>, so a lesson writes to
    /// the same place as the CLI whatever its kernel's working directory (Polyglot and Jupyter use the notebook's folder).
    /// </summary>
    public static string RunsDirectory => Path.Combine(RepositoryRoot ?? Directory.GetCurrentDirectory(), "runs");

    private static string? FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "KdLabs.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        return null;
    }
}
