using KdLabs.Data;

namespace KdLabs.Datasets;

/// <summary>The kit's image-classification data sets by name: <c>mnist</c>, <c>fashion-mnist</c>, <c>chest-xray</c>.</summary>
public static class DatasetRegistry
{
    /// <summary>LeCun's handwritten digits (<see cref="MnistFiles"/>, <see cref="MnistDataset"/>).</summary>
    public static IdxClassificationDataset Mnist { get; } =
        new("mnist", MnistFiles.Set, MnistDataset.Mean, MnistDataset.Std, MnistDataset.ClassNames, (dir, log) => MnistFiles.EnsurePresent(dir, log));

    /// <summary>
    /// Zalando's Fashion-MNIST (Xiao, Rasul &amp; Vollgraf 2017), a drop-in for MNIST's format with ten clothing classes and
    /// harder to classify. Mean 0.2860 and std 0.3530 are those of its 60,000 training images on [0, 1].
    /// </summary>
    public static IdxClassificationDataset FashionMnist { get; } =
        new("fashion-mnist", FashionMnistFiles.Set, 0.2860f, 0.3530f,
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            (dir, log) => FashionMnistFiles.EnsurePresent(dir, log));

    /// <summary>The real chest X-ray folder at 224×224 (the lab's default size).</summary>
    public static ChestXrayDataset ChestXray { get; } = new();

    /// <summary>Every registered data set, in registry order.</summary>
    public static IReadOnlyList<IImageClassificationDataset> All { get; } = [Mnist, FashionMnist, ChestXray];

    /// <summary>The registered keys.</summary>
    public static IReadOnlyList<string> Keys { get; } = All.Select(d => d.Key).ToArray();

    /// <summary>The data set named <paramref name="key"/> (case-insensitive); throws naming the known keys otherwise.</summary>
    public static IImageClassificationDataset Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return All.FirstOrDefault(d => string.Equals(d.Key, key.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown data set '{key}': use one of {string.Join(", ", Keys)}.", nameof(key));
    }
}
