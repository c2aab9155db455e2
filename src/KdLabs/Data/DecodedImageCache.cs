using System.Security.Cryptography;
using System.Text;
using KdLabs.Infrastructure;

namespace KdLabs.Data;

/// <summary>The decoded, resized grey pixels of one split, as stored on disk by <see cref="DecodedImageCache"/>.</summary>
internal sealed record DecodedImages(int Size, long[] Labels, byte[] Pixels, IReadOnlyList<string> Paths, IReadOnlyList<SkippedImage> Skipped);

/// <summary>
/// A disk cache of decoded, resized images: one file per split under
/// <c>{KdLabsPaths.CacheDirectory}/images/</c>, named by a SHA-256 over every source file's path, size
/// and modification time plus the decoder version and target size. Any change to a file, the file
/// list or the size gives a new key, so a stale cache is never read; older files of the same split and
/// size are deleted when a new one is written. Skipped (corrupt) files are stored too, so a cache hit
/// reports them again without re-decoding.
/// </summary>
internal static class DecodedImageCache
{
    /// <summary>Bump when decoding or resizing changes, so old caches stop matching.</summary>
    public const string DecoderVersion = "skia-rgba-luma601-bilinear-mip-v1";

    // v2 ends with the SHA-256 of everything before it: a cache edited or damaged on disk (flipped labels, a torn
    // copy) fails the check and is rebuilt from the images instead of being trained on.
    private const string Magic = "KDIMGC02";
    private const int HashLength = 32;

    /// <summary>The folder holding image caches.</summary>
    public static string Directory => Path.Combine(KdLabsPaths.CacheDirectory, "images");

    /// <summary>The cache key of <paramref name="files"/> decoded at <paramref name="size"/>.</summary>
    public static string Key(IEnumerable<ImageFile> files, int size)
    {
        var text = new StringBuilder().Append(DecoderVersion).Append('|').Append(size).Append('\n');
        foreach (var f in files)
        {
            var info = new FileInfo(f.Path);
            long length = info.Exists ? info.Length : -1;
            long mtime = info.Exists ? info.LastWriteTimeUtc.Ticks : 0;
            text.Append(f.Path).Append('|').Append(f.Label).Append('|').Append(length).Append('|').Append(mtime).Append('\n');
        }
        return TextHash.Sha256(text.ToString())[..20];
    }

    /// <summary>Where the cache of <paramref name="name"/> (e.g. "train") at this key lives.</summary>
    public static string PathFor(string name, int size, string key) => Path.Combine(Directory, $"{name}-{size}px-{key}.bin");

    /// <summary>
    /// Reads a cache file, or returns null when it is missing or fails its check (it is then rebuilt); a file that is
    /// there but damaged (its trailing SHA-256 does not match, or it does not parse) is named in a warning through <paramref name="log"/>.
    /// </summary>
    public static DecodedImages? TryRead(string path, Action<string>? log = null)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        void Damaged(string why) => log?.Invoke($"decoded-image cache: warning: {path} {why}; decoding the images again");
        try
        {
            using var stream = File.OpenRead(path);
            if (!HashMatches(stream))
            {
                Damaged("does not match its content hash (damaged or edited since it was written)");
                return null;
            }
            stream.Position = 0;
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            if (reader.ReadString() != Magic)
            {
                return null;
            }
            int size = reader.ReadInt32();
            int count = reader.ReadInt32();
            if (size <= 0 || count < 0 || (long)count * size * size > stream.Length)
            {
                return null;
            }
            var labels = new long[count];
            var paths = new string[count];
            for (int i = 0; i < count; i++)
            {
                paths[i] = reader.ReadString();
                labels[i] = reader.ReadInt64();
            }
            byte[] pixels = reader.ReadBytes(count * size * size);
            if (pixels.Length != count * size * size)
            {
                return null;
            }
            int skipped = reader.ReadInt32();
            var bad = new List<SkippedImage>(skipped);
            for (int i = 0; i < skipped; i++)
            {
                bad.Add(new SkippedImage(reader.ReadString(), reader.ReadString()));
            }
            return new DecodedImages(size, labels, pixels, paths, bad);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or FormatException or OverflowException or ArgumentOutOfRangeException)
        {
            Damaged($"cannot be read ({e.Message})");
            return null;
        }
    }

    private static bool HashMatches(FileStream stream)
    {
        long body = stream.Length - HashLength;
        if (body <= 0)
        {
            return false;
        }
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long left = body;
        while (left > 0)
        {
            int read = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (read == 0)
            {
                return false;
            }
            hash.AppendData(buffer, 0, read);
            left -= read;
        }
        var stored = new byte[HashLength];
        stream.ReadExactly(stored);
        return hash.GetHashAndReset().AsSpan().SequenceEqual(stored);
    }

    /// <summary>Writes <paramref name="images"/> atomically and removes older caches of the same split and size.</summary>
    public static void Write(string path, DecodedImages images)
    {
        AtomicFile.Write(path, tmp =>
        {
            using var writer = new BinaryWriter(File.Create(tmp), Encoding.UTF8);
            writer.Write(Magic);
            writer.Write(images.Size);
            writer.Write(images.Labels.Length);
            for (int i = 0; i < images.Labels.Length; i++)
            {
                writer.Write(images.Paths[i]);
                writer.Write(images.Labels[i]);
            }
            writer.Write(images.Pixels);
            writer.Write(images.Skipped.Count);
            foreach (var s in images.Skipped)
            {
                writer.Write(s.Path);
                writer.Write(s.Reason);
            }
            writer.Flush();
            writer.BaseStream.Position = 0;
            byte[] digest = SHA256.HashData(writer.BaseStream);
            writer.BaseStream.Position = writer.BaseStream.Length;
            writer.Write(digest);
        });
        string name = Path.GetFileName(path);
        string prefix = name[..(name.LastIndexOf('-') + 1)];
        foreach (var old in System.IO.Directory.EnumerateFiles(Path.GetDirectoryName(path)!, prefix + "*.bin"))
        {
            if (Path.GetFileName(old) != name && Path.GetFileName(old)[prefix.Length..].Length == name[prefix.Length..].Length)
            {
                File.Delete(old);
            }
        }
    }
}
