using SkiaSharp;

namespace KdLabs.Data;

/// <summary>
/// Decodes a JPEG or PNG with SkiaSharp and resizes it to <c>size × size</c> grey levels. The resize is
/// bilinear with mip-mapping (<c>SKFilterQuality.Medium</c>): plain bilinear would alias badly when a
/// 2,000-pixel radiograph shrinks to 224, which PIL's antialiased bilinear resize (the walk-through's
/// <c>transforms.Resize</c>) avoids too. The aspect ratio is not kept, as with <c>Resize((N, N))</c>.
/// Grey is ITU-R 601-2 luma, L = 0.299 R + 0.587 G + 0.114 B, as PIL's <c>convert("L")</c>.
/// </summary>
internal static class GrayscaleImageDecoder
{
    /// <summary>
    /// The largest image accepted, in pixels (width × height, read from the header before anything is decoded):
    /// 100 megapixels, 400 MB as RGBA. Chest radiographs are 1–10 megapixels; a header claiming more is damaged or hostile.
    /// </summary>
    public const long MaxPixels = 100_000_000;

    /// <summary>Decodes <paramref name="path"/> into <paramref name="destination"/> (size² bytes); returns null on success, else why it failed.</summary>
    public static string? TryDecode(string path, int size, Span<byte> destination)
    {
        if (destination.Length != size * size)
        {
            throw new ArgumentException($"Destination holds {destination.Length} bytes, expected {size * size}.", nameof(destination));
        }
        byte[] bytes;
        try
        {
            if (Infrastructure.RegularFile.Problem(path) is { } problem)
            {
                return problem;
            }
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"unreadable ({e.Message})";
        }
        if (bytes.Length == 0)
        {
            return "empty file";
        }
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        if (codec is null)
        {
            return "not a JPEG or PNG image SkiaSharp can decode";
        }
        var info = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        if (info.Width <= 0 || info.Height <= 0)
        {
            return $"invalid dimensions {info.Width}×{info.Height}";
        }
        if ((long)info.Width * info.Height > MaxPixels)
        {
            return $"{info.Width}×{info.Height} pixels in its header, above the limit of {MaxPixels / 1_000_000} megapixels (damaged, or not a radiograph); remove it or scale it down";
        }
        using var full = new SKBitmap(info);
        var result = codec.GetPixels(info, full.GetPixels());
        if (result != SKCodecResult.Success)
        {
            // IncompleteInput decodes a grey remainder: a truncated download must not pass as an image.
            return $"decoding failed ({result})";
        }
        using var resized = full.Resize(new SKImageInfo(size, size, SKColorType.Rgba8888, SKAlphaType.Premul), SKFilterQuality.Medium);
        if (resized is null)
        {
            return "resize failed";
        }
        ReadOnlySpan<byte> rgba = resized.GetPixelSpan();
        for (int i = 0; i < destination.Length; i++)
        {
            int p = 4 * i;
            destination[i] = (byte)Math.Clamp((int)Math.Round(0.299 * rgba[p] + 0.587 * rgba[p + 1] + 0.114 * rgba[p + 2]), 0, 255);
        }
        return null;
    }
}
