using KdLabs.Data;

namespace KdLabs.Datasets;

/// <summary>
/// An MNIST-format data set (four checksummed IDX files, 1×28×28 grey images, ten classes) loaded through
/// <see cref="IdxDataset"/>: <see cref="DatasetRegistry.Mnist"/> and <see cref="DatasetRegistry.FashionMnist"/>. Its
/// <c>*Files</c> class holds the checksums and the fetch recipe; one registry line makes it a data set of the kit.
/// </summary>
public sealed class IdxClassificationDataset : IImageClassificationDataset, IFetchable
{
    private readonly Func<string, bool, IReadOnlyList<string>> fetch;

    /// <summary>
    /// Describes the set: <paramref name="files"/> to read and verify, loaded splits named <c>{key}-train</c> / <c>{key}-test</c>,
    /// normalised with <paramref name="mean"/> and <paramref name="std"/>; <paramref name="fetch"/> (folder, force → what it did)
    /// downloads and verifies the files from <paramref name="fetchSource"/>; <paramref name="description"/> says what the images are.
    /// </summary>
    public IdxClassificationDataset(string key, string description, IdxFileSet files, float mean, float std, IReadOnlyList<string> classNames,
        string fetchSource, Func<string, bool, IReadOnlyList<string>> fetch)
    {
        Key = key;
        Description = description;
        FetchSource = fetchSource;
        Files = files;
        Mean = mean;
        Std = std;
        ClassNames = classNames;
        Normalization = new ImageNormalization([mean], [std]);
        this.fetch = fetch;
    }

    /// <inheritdoc />
    public string Key { get; }

    /// <inheritdoc />
    public string DisplayName => Files.DisplayName;

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public string FetchSource { get; }

    /// <summary>The IDX files and their checksums.</summary>
    public IdxFileSet Files { get; }

    /// <summary>Mean of the training pixels on [0, 1].</summary>
    public float Mean { get; }

    /// <summary>Standard deviation of the training pixels on [0, 1].</summary>
    public float Std { get; }

    /// <inheritdoc />
    public ImageShape InputShape => ImageShape.Mnist;

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames { get; }

    /// <inheritdoc />
    public ImageNormalization Normalization { get; }

    /// <inheritdoc />
    public IReadOnlyList<DatasetSplit> Splits { get; } = [DatasetSplit.Train, DatasetSplit.Test];

    /// <inheritdoc />
    public string DefaultDirectory => Files.DefaultDirectory;

    /// <inheritdoc />
    public void EnsurePresent(string? directory = null, Action<string>? log = null) =>
        Files.EnsurePresent(directory ?? DefaultDirectory, dir => fetch(dir, false), $"fetching {FetchSource}", log);

    /// <inheritdoc />
    public void Fetch(string directory, bool force, Action<string> log)
    {
        foreach (var line in fetch(directory, force))
        {
            log(line);
        }
    }

    /// <inheritdoc />
    public InMemoryDataset Load(DatasetSplit split, string? directory = null, int? limit = null) => split == DatasetSplit.Validation
        ? throw new ArgumentException($"{DisplayName} ships no validation split; carve one from the training images with {nameof(ValidationSplit)}.", nameof(split))
        : IdxDataset.Load(Files, Key, Mean, Std, ClassNames, split == DatasetSplit.Train, directory, limit);
}
