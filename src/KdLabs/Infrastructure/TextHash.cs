using System.Security.Cryptography;
using System.Text;

namespace KdLabs.Infrastructure;

/// <summary>SHA-256 of a text, as lowercase hex: the key behind cache and checkpoint folder names.</summary>
public static class TextHash
{
    /// <summary>The SHA-256 of <paramref name="text"/>'s UTF-8 bytes, 64 lowercase hex digits.</summary>
    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
