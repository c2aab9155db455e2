using KdLabs.Data;
using KdLabs.Infrastructure;

namespace KdLabs.Cli;

/// <summary>
/// One run per output folder: the first kdlabs process holds <c>.kdlabs-run.lock</c> in it until it exits (the OS
/// releases it even after a kill), and a second run into the same <c>--out</c> is refused instead of silently
/// overwriting the first one's results.
/// </summary>
internal static class OutputLock
{
    private const string FileName = ".kdlabs-run.lock";

    // Held for the life of the process: a CLI command runs once and exits.
    private static readonly List<FileLock> Held = [];

    public static void Acquire(string directory)
    {
        string path = Path.Combine(directory, FileName);
        try
        {
            Held.Add(FileLock.Acquire(path, TimeSpan.Zero));
        }
        // Only a held lock means another run; any other I/O error (a read-only or full disk) keeps its own cause.
        catch (IOException e) when (FileLock.IsLockViolation(e))
        {
            throw new UserErrorException($"{Path.GetFullPath(directory)}: another kdlabs run is writing into this folder ({FileName} is held). Wait for it to finish, or choose another folder with --out.", e);
        }
    }
}
