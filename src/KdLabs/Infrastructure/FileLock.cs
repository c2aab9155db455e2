namespace KdLabs.Infrastructure;

/// <summary>
/// An exclusive lock held through a lock file, across threads and processes (two test runs or two
/// notebooks filling the same cache). Released, and the file deleted, on dispose.
/// </summary>
public sealed class FileLock : IDisposable
{
    private readonly FileStream stream;

    private FileLock(FileStream stream) => this.stream = stream;

    /// <summary>Waits up to <paramref name="timeout"/> for the lock at <paramref name="path"/>.</summary>
    public static FileLock Acquire(string path, TimeSpan timeout)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return new FileLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(250);
            }
            catch (IOException e)
            {
                throw new IOException($"{path}: still locked after {timeout.TotalMinutes:0} min by another kdlabs process. If none is running, delete the file.", e);
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => stream.Dispose();
}
