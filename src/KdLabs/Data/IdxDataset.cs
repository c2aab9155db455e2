using KdLabs.Infrastructure;
using static TorchSharp.torch;

namespace KdLabs.Data;

/// <summary>
/// Loads a split of an MNIST-format IDX data set (28×28 grey images, ten classes) as an <see cref="InMemoryDataset"/>
/// of 1×28×28 images normalised as x' = (x/255 − mean) / std. MNIST and Fashion-MNIST both load through here.
/// </summary>
internal static class IdxDataset
{
    /// <summary>
    /// Loads the training (<paramref name="train"/>) or test split from <paramref name="directory"/>, optionally only the first
    /// <paramref name="limit"/> samples, named <c>{namePrefix}-train</c> or <c>{namePrefix}-test</c>.
    /// </summary>
    public static InMemoryDataset Load(IdxFileSet files, string namePrefix, float mean, float std, IReadOnlyList<string> classNames,
        bool train, string? directory = null, int? limit = null)
    {
        directory ??= files.DefaultDirectory;
        foreach (var file in files.Sha256.Keys)
        {
            // A folder, a link loop, a FIFO or a device under a data file's name: named as such, not as a missing file.
            RegularFile.Require(Path.Combine(directory, file), "file", files.PointAtFolder(" as regular files"));
        }
        if (!files.ArePresent(directory))
        {
            throw new DataFormatException(directory, "folder", $"the {files.DisplayName} IDX files are missing",
                $"Run `{files.FetchCommand}` to download and verify them.");
        }
        string prefix = train ? "train" : "t10k";
        string imagesPath = Path.Combine(directory, $"{prefix}-images-idx3-ubyte");
        string labelsPath = Path.Combine(directory, $"{prefix}-labels-idx1-ubyte");
        string? refetch = files.FetchCommand == MnistFiles.Set.FetchCommand ? null : files.Refetch;
        var images = IdxFile.ReadImages(imagesPath, refetch);
        var labels = IdxFile.ReadLabels(labelsPath, classNames.Count - 1, refetch);
        // After the reads, so a truncated or malformed file is still reported as such.
        files.VerifyCanonical(imagesPath);
        files.VerifyCanonical(labelsPath);
        if (images.Count != labels.Length)
        {
            throw new DataFormatException(labelsPath, "count", $"{labels.Length} labels for {images.Count} images in {imagesPath}",
                $"The two files come from different sets. {files.Refetch}");
        }
        if (images.Rows != 28 || images.Columns != 28)
        {
            throw new DataFormatException(imagesPath, "dimensions", $"images are {images.Rows}×{images.Columns}, expected 28×28", $"This is not {files.DisplayName}.");
        }
        int n = Math.Min(limit ?? images.Count, images.Count);
        using var scope = NewDisposeScope();
        var pixels = tensor(images.Pixels.AsSpan(0, n * 28 * 28).ToArray(), [n, 1, 28, 28]);
        var x = pixels.to_type(ScalarType.Float32).div_(255f).sub_(mean).div_(std);
        var y = tensor(labels.AsSpan(0, n).ToArray().Select(b => (long)b).ToArray());
        string name = $"{namePrefix}-{(train ? "train" : "test")}" + (n < images.Count ? $"[:{n}]" : "");
        return new InMemoryDataset(name, x, y, classNames);
    }
}
