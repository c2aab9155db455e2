using KdLabs.Infrastructure;
using static TorchSharp.torch;

namespace KdLabs.Data;

/// <summary>The MNIST training or test split as an <see cref="InMemoryDataset"/> of 1×28×28 images.</summary>
public static class MnistDataset
{
    /// <summary>Mean of the training pixels scaled to [0, 1], the usual MNIST normalisation constant.</summary>
    public const float Mean = 0.1307f;

    /// <summary>Standard deviation of the training pixels scaled to [0, 1].</summary>
    public const float Std = 0.3081f;

    /// <summary>Digit names 0–9.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray();

    /// <summary>
    /// Loads a split from <paramref name="directory"/> (default <c>data/mnist</c>), normalised to zero
    /// mean and unit variance, optionally only the first <paramref name="limit"/> samples.
    /// </summary>
    public static InMemoryDataset Load(bool train, string? directory = null, int? limit = null)
    {
        directory ??= MnistFiles.DefaultDirectory;
        if (!MnistFiles.ArePresent(directory))
        {
            throw new DataFormatException(directory, "folder", "the MNIST IDX files are missing",
                "Run `kdlabs data fetch mnist` (or data/fetch-mnist.sh) to download and verify them.");
        }
        string prefix = train ? "train" : "t10k";
        string imagesPath = Path.Combine(directory, $"{prefix}-images-idx3-ubyte");
        string labelsPath = Path.Combine(directory, $"{prefix}-labels-idx1-ubyte");
        var images = IdxFile.ReadImages(imagesPath);
        var labels = IdxFile.ReadLabels(labelsPath);
        // Caches of teachers and teacher logits are keyed on the labels and the file name; checking the pixels'
        // SHA-256 here is what makes that key stand for the pixels too (a changed image would reuse a stale teacher).
        // After the reads, so a truncated or malformed file is still reported as such.
        VerifyCanonical(imagesPath);
        VerifyCanonical(labelsPath);
        if (images.Count != labels.Length)
        {
            throw new DataFormatException(labelsPath, "count", $"{labels.Length} labels for {images.Count} images in {imagesPath}",
                "The two files come from different sets; fetch them again with `kdlabs data fetch mnist --force`.");
        }
        if (images.Rows != 28 || images.Columns != 28)
        {
            throw new DataFormatException(imagesPath, "dimensions", $"images are {images.Rows}×{images.Columns}, expected 28×28", "This is not MNIST.");
        }
        int n = Math.Min(limit ?? images.Count, images.Count);
        using var scope = NewDisposeScope();
        var pixels = tensor(images.Pixels.AsSpan(0, n * 28 * 28).ToArray(), [n, 1, 28, 28]);
        var x = pixels.to_type(ScalarType.Float32).div_(255f).sub_(Mean).div_(Std);
        var y = tensor(labels.AsSpan(0, n).ToArray().Select(b => (long)b).ToArray());
        string name = (train ? "mnist-train" : "mnist-test") + (n < images.Count ? $"[:{n}]" : "");
        return new InMemoryDataset(name, x, y, ClassNames);
    }

    // Files verified in this process, by path, length and modification time: each is hashed once.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, long, DateTime), bool> Verified = new();

    private static void VerifyCanonical(string path)
    {
        var info = new FileInfo(path);
        if (Verified.ContainsKey((info.FullName, info.Length, info.LastWriteTimeUtc)))
        {
            return;
        }
        string actual;
        try
        {
            actual = FileHash.Sha256(path);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DataFormatException(path, "permissions", $"not readable by this user ({e.Message})", "Give this user read access (chmod a+r), or point --data at a readable copy.");
        }
        string expected = MnistFiles.Sha256[info.Name];
        if (actual != expected)
        {
            throw new DataFormatException(path, "SHA-256", $"{actual}, expected {expected} (the canonical MNIST file)",
                "The file was changed or damaged; cached teachers would not match it. Fetch it again with `kdlabs data fetch mnist --force`.");
        }
        Verified[(info.FullName, info.Length, info.LastWriteTimeUtc)] = true;
    }
}
