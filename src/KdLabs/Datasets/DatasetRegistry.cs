using KdLabs.Data;

namespace KdLabs.Datasets;

/// <summary>
/// The kit's image-classification data sets by name: <c>mnist</c>, <c>fashion-mnist</c>, <c>chest-xray</c>. The CLI's
/// <c>distill</c>, <c>zoo</c>, <c>data fetch</c> and <c>setup</c> loop over <see cref="All"/>, so a data set added here
/// (one line, its <c>*Files</c> class holding checksums and fetch recipe) gets its commands without touching the CLI.
/// </summary>
public static class DatasetRegistry
{
    /// <summary>LeCun's handwritten digits (<see cref="MnistFiles"/>, <see cref="MnistDataset"/>).</summary>
    public static IdxClassificationDataset Mnist { get; } =
        new("mnist", "LeCun's handwritten digits", MnistFiles.Set, MnistDataset.Mean, MnistDataset.Std, MnistDataset.ClassNames, MnistFiles.Source, MnistFiles.Fetch);

    /// <summary>
    /// Zalando's Fashion-MNIST (Xiao, Rasul &amp; Vollgraf 2017), a drop-in for MNIST's format with ten clothing classes and
    /// harder to classify. Mean 0.2860 and std 0.3530 are those of its 60,000 training images on [0, 1].
    /// </summary>
    public static IdxClassificationDataset FashionMnist { get; } =
        new("fashion-mnist", "Zalando's ten clothing classes, harder than the digits", FashionMnistFiles.Set, 0.2860f, 0.3530f,
            ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
            FashionMnistFiles.Source, FashionMnistFiles.Fetch);

    /// <summary>The real chest X-ray folder at 224×224 (the lab's default size).</summary>
    public static ChestXrayDataset ChestXray { get; } = new();

    private static readonly IReadOnlyList<IImageClassificationDataset> Registered = [Mnist, FashionMnist, ChestXray];

    // Data sets added for one flow of execution (a test, a plug-in's command tree), never for the whole process.
    private static readonly AsyncLocal<IReadOnlyList<IImageClassificationDataset>?> Scoped = new();

    /// <summary>Every registered data set, in registry order (then any <see cref="AddScoped"/> added in this flow).</summary>
    public static IReadOnlyList<IImageClassificationDataset> All => Scoped.Value is { } extra ? [.. Registered, .. extra] : Registered;

    /// <summary>The registered keys.</summary>
    public static IReadOnlyList<string> Keys => All.Select(d => d.Key).ToArray();

    /// <summary>The registered data sets the kit downloads and verifies itself.</summary>
    public static IReadOnlyList<IFetchable> Fetchable => All.OfType<IFetchable>().ToArray();

    /// <summary>
    /// Adds <paramref name="dataset"/> to <see cref="All"/> for the calling flow of execution only (its async continuations
    /// included) until the result is disposed: how a test checks that one registered data set reaches every command,
    /// without other tests (or threads) seeing it.
    /// </summary>
    public static IDisposable AddScoped(IImageClassificationDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (All.Any(d => string.Equals(d.Key, dataset.Key, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ArgumentException($"A data set named '{dataset.Key}' is already registered.", nameof(dataset));
        }
        var before = Scoped.Value;
        Scoped.Value = [.. before ?? [], dataset];
        return new Restore(() => Scoped.Value = before);
    }

    /// <summary>The data set named <paramref name="key"/> (case-insensitive); throws naming the known keys otherwise.</summary>
    public static IImageClassificationDataset Get(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return All.FirstOrDefault(d => string.Equals(d.Key, key.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"Unknown data set '{key}': use one of {string.Join(", ", Keys)}.", nameof(key));
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }
}
