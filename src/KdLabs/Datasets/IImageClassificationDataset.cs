using KdLabs.Data;

namespace KdLabs.Datasets;

/// <summary>
/// An image-classification data set as the labs see it: what its images look like, what its classes are, how its pixels
/// are normalised, which splits it ships and how to load one into an <see cref="InMemoryDataset"/> (whose
/// <see cref="InMemoryDataset.Fingerprint"/> keys every cache). Look one up by name with <see cref="DatasetRegistry"/>.
/// </summary>
public interface IImageClassificationDataset
{
    /// <summary>The registry key, e.g. <c>fashion-mnist</c>.</summary>
    string Key { get; }

    /// <summary>The name in messages and reports, e.g. <c>Fashion-MNIST</c>.</summary>
    string DisplayName { get; }

    /// <summary>What the images are, in a few words for help texts, e.g. <c>LeCun's handwritten digits</c>.</summary>
    string Description { get; }

    /// <summary>One image's shape after loading.</summary>
    ImageShape InputShape { get; }

    /// <summary>Class names in label order.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>Per-channel mean and standard deviation the loaded pixels are normalised with, x' = (x − mean) / std on [0, 1] pixels.</summary>
    ImageNormalization Normalization { get; }

    /// <summary>The splits the data set ships (a validation split is carved from the training one, <see cref="ValidationSplit"/>).</summary>
    IReadOnlyList<DatasetSplit> Splits { get; }

    /// <summary>The folder used when none is given.</summary>
    string DefaultDirectory { get; }

    /// <summary>Makes the files available in <paramref name="directory"/> (default <see cref="DefaultDirectory"/>): fetches or generates them when that is possible, else explains how to get them.</summary>
    void EnsurePresent(string? directory = null, Action<string>? log = null);

    /// <summary>Loads <paramref name="split"/> from <paramref name="directory"/>, optionally only its first <paramref name="limit"/> images.</summary>
    InMemoryDataset Load(DatasetSplit split, string? directory = null, int? limit = null);
}
