using System.Security.Cryptography;
using System.Text;

namespace KdLabs.Kernel.Protocol;

/// <summary>
/// HMAC-SHA256 over a message's header, parent header, metadata and content, hex-encoded, as the Jupyter messaging
/// protocol signs every message. An empty key means signing is off (the protocol's "no authentication").
/// </summary>
internal sealed class MessageSigner(string key)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(key);

    /// <summary>The hex signature of the four frames, or "" when the key is empty.</summary>
    public string Sign(IReadOnlyList<byte[]> frames)
    {
        if (_key.Length == 0)
        {
            return "";
        }

        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        foreach (var frame in frames)
        {
            hmac.AppendData(frame);
        }

        return Convert.ToHexStringLower(hmac.GetHashAndReset());
    }

    /// <summary>True when <paramref name="signature"/> is the frames' signature; compared in constant time.</summary>
    public bool Verify(string signature, IReadOnlyList<byte[]> frames)
    {
        if (_key.Length == 0)
        {
            return true;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(frames));
        var given = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
