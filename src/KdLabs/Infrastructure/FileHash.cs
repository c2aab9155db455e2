using System.Security.Cryptography;

namespace KdLabs.Infrastructure;

/// <summary>SHA-256 of a file's bytes, as lowercase hex: data checksums and checkpoint integrity.</summary>
internal static class FileHash
{
    /// <summary>The SHA-256 of the file at <paramref name="path"/>, 64 lowercase hex digits, read as a stream.</summary>
    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
