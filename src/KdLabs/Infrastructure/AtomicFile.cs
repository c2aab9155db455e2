namespace KdLabs.Infrastructure;

/// <summary>
/// Writes files so that a reader never sees a half-written one: the content goes to a temporary file
/// in the same folder, flushed to disk, which then replaces the target in one rename. An interrupted write (or a
/// machine crash) leaves the previous file intact.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes through <paramref name="write"/> into a temp file, then renames it over <paramref name="path"/>.</summary>
    public static void Write(string path, Action<string> write)
    {
        string full = Path.GetFullPath(path);
        string dir = Path.GetDirectoryName(full)!;
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new IOException($"{dir}: cannot create the output folder ({e.Message}). Choose another output folder.", e);
        }
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            write(temp);
            FlushToDisk(temp);
            File.Move(temp, full, overwrite: true);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new IOException($"{full}: permission denied, cannot write here ({e.Message}). Give this user write access to {dir}, or choose another folder (the lab's output folder for results).", e);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    // The data reaches the disk before the rename publishes it: otherwise a machine crash can leave the new name
    // pointing at an empty or partial file, which is what the temp file was there to prevent.
    private static void FlushToDisk(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Writes <paramref name="text"/> atomically.</summary>
    public static void WriteAllText(string path, string text) => Write(path, tmp => File.WriteAllText(tmp, text));

    /// <summary>Writes <paramref name="bytes"/> atomically.</summary>
    public static void WriteAllBytes(string path, byte[] bytes) => Write(path, tmp => File.WriteAllBytes(tmp, bytes));
}
