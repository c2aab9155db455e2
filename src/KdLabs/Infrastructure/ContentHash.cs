using System.Security.Cryptography;

namespace KdLabs.Infrastructure;

/// <summary>
/// A SHA-256 of a derived-data file (a cache) kept beside it as <c>&lt;file&gt;.sha256</c>, written atomically after
/// the file and checked on every reuse. A file garbled at the same length (a bad sector, a copy tool, a hand edit)
/// then fails the check and is computed again, instead of being trusted and poisoning every result built on it.
/// </summary>
public static class ContentHash
{
    /// <summary>The sidecar that holds the hash of <paramref name="path"/>.</summary>
    public static string SidecarOf(string path) => path + ".sha256";

    /// <summary>Hashes <paramref name="path"/> and writes its sidecar atomically; call it after the file itself is in place.</summary>
    public static void Write(string path) => AtomicFile.WriteAllText(SidecarOf(path), Of(path) + "\n");

    /// <summary>
    /// True when <paramref name="path"/>'s content matches its sidecar. Otherwise (no sidecar, one that differs, or
    /// an unreadable one) logs a warning naming the file through <paramref name="log"/> and returns false, so the
    /// caller computes the data again.
    /// </summary>
    public static bool Verify(string path, Action<string> log, string what)
    {
        string sidecar = SidecarOf(path);
        string? expected = File.Exists(sidecar) ? File.ReadAllText(sidecar).Trim() : null;
        if (expected is null)
        {
            log($"{what}: warning: {path} has no content hash beside it ({Path.GetFileName(sidecar)}), so it cannot be trusted; computing it again");
            return false;
        }
        string actual = Of(path);
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            log($"{what}: warning: {path} does not match its content hash (damaged or edited since it was written); computing it again");
            return false;
        }
        return true;
    }

    /// <summary>The lower-case hex SHA-256 of <paramref name="path"/>'s bytes.</summary>
    public static string Of(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
