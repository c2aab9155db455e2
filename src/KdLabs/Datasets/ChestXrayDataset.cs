using KdLabs.Data;
using KdLabs.Infrastructure;

namespace KdLabs.Datasets;

/// <summary>
/// The chest X-ray image folder (Kermany et al. 2018's NORMAL / PNEUMONIA radiographs, <c>data/chest_xray</c>) or its
/// synthetic stand-in, as an <see cref="IImageClassificationDataset"/>: a thin adapter over <see cref="ImageFolderIndex"/>,
/// <see cref="ImageFolderDataset"/> (and its decoded-image cache) and <see cref="SyntheticChestXray"/>, loading the same
/// names and tensors as the chest X-ray lab so that lab can adopt it. Images are resized to
/// <see cref="ImageLoadOptions.Size"/> and repeated into three channels with ImageNet's normalisation.
/// </summary>
public sealed class ChestXrayDataset : IImageClassificationDataset
{
    /// <summary>
    /// The real image folder (<paramref name="synthetic"/> false) or the synthetic stand-in of <paramref name="syntheticTrainCount"/>
    /// training images, with test and val splits of the given sizes (null: the Kaggle shares; see <see cref="SyntheticChestXray.SplitCounts"/>).
    /// </summary>
    public ChestXrayDataset(int imageSize = 224, bool synthetic = false, int syntheticTrainCount = 1200, int syntheticSeed = 2018, int syntheticPixelSize = 256,
        int? syntheticTestCount = null, int? syntheticValidationCount = null)
    {
        SyntheticTestCount = syntheticTestCount;
        SyntheticValidationCount = syntheticValidationCount;
        Loading = new ImageLoadOptions { Size = imageSize };
        Loading.Validate();
        Synthetic = synthetic;
        SyntheticTrainCount = syntheticTrainCount;
        SyntheticSeed = syntheticSeed;
        SyntheticPixelSize = syntheticPixelSize;
    }

    /// <summary>How images are decoded, resized and normalised.</summary>
    public ImageLoadOptions Loading { get; }

    /// <summary>True for the generated stand-in (not radiographs, not medical data).</summary>
    public bool Synthetic { get; }

    /// <summary>Test images of the stand-in, or null for the Kaggle share of <see cref="SyntheticTrainCount"/>.</summary>
    public int? SyntheticTestCount { get; }

    /// <summary>Val images of the stand-in, or null for the Kaggle share.</summary>
    public int? SyntheticValidationCount { get; }

    /// <summary>Training images of the stand-in.</summary>
    public int SyntheticTrainCount { get; }

    /// <summary>Seed of the stand-in's generator.</summary>
    public int SyntheticSeed { get; }

    /// <summary>Side of the stand-in's JPEGs before resizing.</summary>
    public int SyntheticPixelSize { get; }

    /// <inheritdoc />
    public string Key => "chest-xray";

    /// <inheritdoc />
    public string DisplayName => Synthetic ? "chest X-ray (synthetic stand-in)" : "chest X-ray";

    /// <inheritdoc />
    public string Description => "pneumonia or not on radiographs, or the offline synthetic stand-in";

    /// <inheritdoc />
    public ImageShape InputShape => new(Loading.Normalization.Channels, Loading.Size, Loading.Size);

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames => SyntheticChestXray.ClassNames;

    /// <inheritdoc />
    public ImageNormalization Normalization => Loading.Normalization;

    /// <inheritdoc />
    public IReadOnlyList<DatasetSplit> Splits { get; } = [DatasetSplit.Train, DatasetSplit.Test, DatasetSplit.Validation];

    /// <inheritdoc />
    public string DefaultDirectory => Synthetic
        ? SyntheticChestXray.DefaultDirectory(SyntheticTrainCount, SyntheticSeed, SyntheticTestCount, SyntheticValidationCount)
        : Path.Combine(KdLabsPaths.DataDirectory, "chest_xray");

    /// <inheritdoc />
    public void EnsurePresent(string? directory = null, Action<string>? log = null) => Index(directory, log);

    /// <inheritdoc />
    public InMemoryDataset Load(DatasetSplit split, string? directory = null, int? limit = null)
    {
        var data = LoadSplit(Index(directory, null), split).Data;
        if (limit is { } n && n < data.Count)
        {
            using (data)
            {
                return data.Take(n);
            }
        }
        return data;
    }

    /// <summary>
    /// Finds (for the stand-in: generates or reuses, saying which) the folder and checks it holds both classes in train
    /// and test: the models have two outputs, so a third class would fail inside libtorch after training started and an
    /// empty one would train a model that can only ever say one thing.
    /// </summary>
    public ImageFolderIndex Index(string? directory = null, Action<string>? log = null)
    {
        string root;
        if (Synthetic)
        {
            var set = SyntheticChestXray.Generate(directory, SyntheticTrainCount, SyntheticSeed, SyntheticPixelSize, log, SyntheticTestCount, SyntheticValidationCount);
            log?.Invoke($"data: SYNTHETIC STAND-IN, {(set.Reused ? "reused" : "generated")} in {set.Root} (seed {set.Seed}); not radiographs, not medical data");
            root = set.Root;
        }
        else
        {
            root = directory ?? DefaultDirectory;
        }
        var index = ImageFolderIndex.Discover(root);
        index.RequireClasses(2, "the chest X-ray data set is binary (NORMAL vs PNEUMONIA)");
        index.RequireEveryClassIn("train");
        index.RequireEveryClassIn("test");
        return index;
    }

    /// <summary>The Kaggle layout's folder of <paramref name="split"/>: train, test or val.</summary>
    public static string FolderOf(DatasetSplit split) => split switch
    {
        DatasetSplit.Train => "train",
        DatasetSplit.Test => "test",
        DatasetSplit.Validation => "val",
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "A split of the chest X-ray folder is Train, Test or Validation."),
    };

    /// <summary>True when <paramref name="index"/> is the stand-in: asked for, or a folder the generator marked (a sized or validation view of it).</summary>
    public bool IsSynthetic(ImageFolderIndex index) => Synthetic || SyntheticChestXray.IsSynthetic(index.Root);

    /// <summary>Decodes (or reads from the decoded-image cache) one split of <paramref name="index"/>, with its timing and the files it skipped.</summary>
    public ImageSplitLoad LoadSplit(ImageFolderIndex index, DatasetSplit split, Action<string>? log = null) =>
        ImageFolderDataset.Load(index, FolderOf(split), Loading, IsSynthetic(index) ? $"chest-xray-synthetic-s{SyntheticSeed}" : "chest-xray", log);
}
