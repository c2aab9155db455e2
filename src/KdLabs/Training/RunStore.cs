using System.Text.Json;
using KdLabs.Infrastructure;

namespace KdLabs.Training;

/// <summary>
/// Runs kept on disk, one folder per <see cref="RunKey"/>: <c>{root}/{label}-{hash}</c>, with the full key in
/// <c>run-key.json</c> beside the artifact so a person can read what a folder holds. Every access holds the folder's
/// <see cref="FileLock"/> (two processes asking for one run train it once), files are written through
/// <see cref="AtomicFile"/> (or <see cref="Checkpoint"/>'s atomic generations), and a folder whose stored key is not
/// the one asked for (a hash collision, a hand-edited or copied folder) is refused instead of reused.
/// </summary>
public sealed class RunStore
{
    /// <summary>The file beside each artifact that holds its key.</summary>
    public const string KeyFile = "run-key.json";

    /// <summary>How long a caller waits for another process filling the same run.</summary>
    public static TimeSpan LockTimeout { get; } = TimeSpan.FromMinutes(30);

    /// <summary>A store whose folders live under <paramref name="root"/>.</summary>
    public RunStore(string root) => Root = Path.GetFullPath(root);

    /// <summary>The folder holding the store's runs.</summary>
    public string Root { get; }

    /// <summary>The shared store of trained teachers, under the kit's cache folder.</summary>
    public static RunStore Teachers => new(Path.Combine(KdLabsPaths.CacheDirectory, "teachers"));

    /// <summary>The shared store of teachers' logits on whole datasets, beside <see cref="Teachers"/> and keyed by their runs.</summary>
    public static RunStore TeacherLogits => new(Path.Combine(KdLabsPaths.CacheDirectory, "teacher-logits"));

    /// <summary>The folder of the run <paramref name="key"/>, named <paramref name="label"/> for people.</summary>
    public string DirectoryFor(RunKey key, string label) => Path.Combine(Root, key.FolderName(label));

    /// <summary>
    /// Under the run's lock: loads it with <paramref name="tryLoad"/> (null when the folder holds no complete artifact)
    /// or else produces it with <paramref name="train"/>. Both get the run's folder, already checked to belong to <paramref name="key"/>.
    /// </summary>
    public T GetOrTrain<T>(RunKey key, string label, Func<string, T?> tryLoad, Func<string, T> train) where T : class =>
        Run(key, label, dir => tryLoad(dir) ?? train(dir));

    /// <summary>Runs <paramref name="body"/> on the run's folder under its lock, after checking (or recording) the folder's key.</summary>
    public T Run<T>(RunKey key, string label, Func<string, T> body)
    {
        string dir = DirectoryFor(key, label);
        Directory.CreateDirectory(Root);
        using var gate = FileLock.Acquire(dir + ".lock", LockTimeout);
        Claim(dir, key);
        return body(dir);
    }

    /// <summary>
    /// Checks that <paramref name="dir"/> holds <paramref name="key"/>'s run, recording the key when the folder is new.
    /// Throws <see cref="DataFormatException"/> when the folder holds another run or files the store did not write.
    /// </summary>
    public static void Claim(string dir, RunKey key)
    {
        string path = Path.Combine(dir, KeyFile);
        string fix = $"Delete {dir} to train this run again.";
        if (File.Exists(path))
        {
            RunKey stored;
            try
            {
                stored = RunKey.Parse(File.ReadAllText(path));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new DataFormatException(path, "run key", $"unreadable ({e.Message})", fix);
            }
            if (stored != key)
            {
                throw new DataFormatException(path, "run key",
                    $"the folder holds the run {stored.Hash[..16]} ({stored.Kind} {stored.Model}), not the requested {key.Hash[..16]} (a hash collision, or a folder edited or copied by hand)", fix);
            }
            return;
        }
        // Hidden files are the store's own leftovers (a temp file of an interrupted write, a checkpoint's staging folder).
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any(e => !Path.GetFileName(e).StartsWith('.')))
        {
            throw new DataFormatException(dir, KeyFile, "missing, but the folder holds files, so what they belong to is unknown", fix);
        }
        AtomicFile.WriteAllText(path, key.ToIndentedJson() + "\n");
    }
}
