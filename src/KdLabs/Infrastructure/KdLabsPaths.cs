namespace KdLabs.Infrastructure;

/// <summary>
/// Where the kit keeps data and runs. The data folder is <c>$KDLABS_DATA</c> when set, otherwise the
/// <c>data/</c> folder of the checkout (found by walking up to <c>KdLabs.sln</c>), otherwise
/// <c>./data</c>, so the CLI, the tests and notebooks opened from any sub-folder agree.
/// </summary>
public static class KdLabsPaths
{
    private const string DataVariable = "KDLABS_DATA";
    private const string CacheVariable = "KDLABS_CACHE";

    /// <summary>The repository root, or null when not running from a checkout.</summary>
    public static string? RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The folder holding downloaded data sets.</summary>
    public static string DataDirectory =>
        Environment.GetEnvironmentVariable(DataVariable) is { Length: > 0 } env
            ? Path.GetFullPath(env)
            : Path.Combine(RepositoryRoot ?? Directory.GetCurrentDirectory(), "data");

    /// <summary>The folder for caches that can be rebuilt at any time (teacher checkpoints, decoded images).</summary>
    public static string CacheDirectory =>
        Environment.GetEnvironmentVariable(CacheVariable) is { Length: > 0 } env
            ? Path.GetFullPath(env)
            : Path.Combine(RepositoryRoot ?? Directory.GetCurrentDirectory(), "runs", "cache");

    /// <summary>
    /// The folder lab runs write under: <c>runs/</c> of the checkout, otherwise <c>./runs</c>, so a lesson writes to
    /// the same place as the CLI whatever its kernel's working directory (Polyglot and Jupyter use the notebook's folder).
    /// </summary>
    public static string RunsDirectory => Path.Combine(RepositoryRoot ?? Directory.GetCurrentDirectory(), "runs");

    /// <summary>
    /// Gives a child process <c>KDLABS_DATA</c> and <c>KDLABS_CACHE</c> as full paths when this process has them as relative
    /// ones: a relative path names a folder from where the command was typed, and a lesson's worker starts in the
    /// notebook's folder, where the same text would name another one.
    /// </summary>
    public static void PassFoldersAsFullPaths(IDictionary<string, string?> environment) =>
        PassFoldersAsFullPaths(environment, Environment.GetEnvironmentVariable, Directory.GetCurrentDirectory());

    internal static void PassFoldersAsFullPaths(IDictionary<string, string?> environment, Func<string, string?> read, string currentDirectory)
    {
        foreach (string name in new[] { DataVariable, CacheVariable })
        {
            if (read(name) is { Length: > 0 } value && !Path.IsPathFullyQualified(value))
            {
                environment[name] = Path.GetFullPath(value, currentDirectory);
            }
        }
    }

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
