using KdLabs.Infrastructure;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// The output folder of a run, checked and locked before any cell runs: a folder that cannot be created or written
/// (a file, read-only, no permission) is an error up front rather than after a long run, and a second run writing
/// the same notebook into the same folder is refused instead of the last writer silently winning.
/// </summary>
internal sealed class OutputFolder : IDisposable
{
    private readonly FileStream _lock;

    private OutputFolder(FileStream lockStream) => _lock = lockStream;

    /// <summary>Creates the folder if needed and takes the lock <c>.&lt;name&gt;.lock</c> in it (which proves it writable; the file is kept after the run).</summary>
    /// <exception cref="IOException">The folder cannot be used or is in use; the message says why and what to do.</exception>
    public static OutputFolder Acquire(string directory, string name, params string[] outputFiles)
    {
        var full = Path.GetFullPath(directory);
        if (File.Exists(full))
        {
            throw new IOException($"{directory}: the output folder is a file; choose a folder with --out.");
        }

        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{directory}: cannot create the output folder ({e.Message}); choose a writable folder with --out.", e);
        }

        foreach (var file in outputFiles)
        {
            if (Directory.Exists(file))
            {
                throw new IOException($"{file}: is a folder, so the run's output cannot be written there; remove it or choose another folder with --out.");
            }
        }

        var lockPath = Path.Combine(full, $".{name}.lock");
        FileStream stream;
        try
        {
            // Not DeleteOnClose: deleting the lock file on release lets a run that already opened it and a newcomer
            // that creates a new one both hold the lock (see FileLock). The file stays in the folder.
            stream = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"{directory}: cannot write in the output folder ({e.Message}); choose a writable folder with --out.", e);
        }
        catch (IOException e) when (FileLock.IsLockViolation(e))
        {
            throw new IOException($"{directory}: another kdlabs run is writing {name} into this folder (lock {lockPath}); wait for it to finish or choose another folder with --out.", e);
        }
        catch (IOException e)
        {
            throw new IOException($"{directory}: cannot write in the output folder ({e.Message}); choose a writable folder with --out.", e);
        }

        // Read-only file systems and some permission setups let the open succeed but not a write; prove one.
        try
        {
            stream.WriteByte((byte)'\n');
            stream.Flush();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stream.Dispose();
            throw new IOException($"{directory}: cannot write in the output folder ({e.Message}); choose a writable folder with --out.", e);
        }

        return new OutputFolder(stream);
    }

    /// <inheritdoc />
    public void Dispose() => _lock.Dispose();
}
