namespace KdLabs.Infrastructure;

/// <summary>
/// An exclusive lock held through a lock file, across threads and processes (two test runs or two
/// notebooks filling the same cache). Released on dispose, and by the OS when the process exits or is killed.
/// The lock file itself stays: deleting it on release would let a waiter that had already opened it lock the
/// deleted file while a newcomer creates and locks a new one at the same path, so both would hold "the" lock.
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly FileStream stream;

    private FileLock(FileStream stream) => this.stream = stream;

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the lock at <paramref name="path"/> (the file is created if missing and
    /// kept afterwards). Only another holder is waited for: a path that cannot be opened at all fails at once.
    /// </summary>
    /// <exception cref="IOException">The lock is still held after <paramref name="timeout"/>, or the lock file cannot be opened.</exception>
    public static FileLock Acquire(string path, TimeSpan timeout)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1));
            }
            catch (IOException e) when (IsLockViolation(e) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(250);
            }
            catch (IOException e) when (IsLockViolation(e))
            {
                throw new IOException($"{path}: still locked after {timeout.TotalMinutes:0} min by another kdlabs process; wait for it to finish (the lock is freed when that process exits).", e);
            }
            catch (IOException e)
            {
                // A full disk, a read-only folder, a bad path: waiting would not help and must not be reported as "locked".
                throw new IOException($"{path}: cannot open the lock file ({e.Message}). Check that the folder exists and is writable.", e);
            }
        }
    }

    /// <summary>
    /// True when <paramref name="e"/> is, or directly wraps, the OS's report that another handle holds the file
    /// (a sharing or lock violation), as opposed to any other I/O error.
    /// </summary>
    public static bool IsLockViolation(IOException e) =>
        IsViolation(e) || (e.InnerException is IOException inner && IsViolation(inner));

    // Windows reports ERROR_SHARING_VIOLATION (32) or ERROR_LOCK_VIOLATION (33) as 0x8007xxxx; on Unix .NET takes
    // FileShare.None as flock(LOCK_EX | LOCK_NB) and reports its EWOULDBLOCK as the raw errno: 11 on Linux, 35 on macOS and BSD.
    private static bool IsViolation(IOException e) =>
        e.GetType() == typeof(IOException) &&
        (OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33 && (e.HResult >>> 16) == 0x8007
            : e.HResult == (OperatingSystem.IsLinux() || OperatingSystem.IsAndroid() ? 11 : 35));

    /// <inheritdoc />
    public void Dispose() => stream.Dispose();
}
