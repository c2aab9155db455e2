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
    public static InMemoryDataset Load(bool train, string? directory = null, int? limit = null) =>
        IdxDataset.Load(MnistFiles.Set, "mnist", Mean, Std, ClassNames, train, directory, limit);
}
