namespace KdLabs.Data;

/// <summary>How <see cref="ImageFolderDataset"/> turns image files into tensors.</summary>
public sealed record ImageLoadOptions
{
    /// <summary>Images are resized to Size × Size.</summary>
    public int Size { get; init; } = 224;

    /// <summary>Per-channel normalisation; the channel count it defines is the output's.</summary>
    public ImageNormalization Normalization { get; init; } = ImageNormalization.ImageNet;

    /// <summary>
    /// The largest fraction of a split that may fail to decode: those files are skipped and listed; more
    /// than this refuses the split, because then the download itself is broken.
    /// </summary>
    public double MaxBadFraction { get; init; } = 0.01;

    /// <summary>Read and write the decoded-image cache.</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>Threads decoding in parallel.</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Throws when a setting is out of range.</summary>
    public void Validate() => Infrastructure.OptionsValidation.Run(ValidateSettings);

    private void ValidateSettings()
    {
        if (Size is < 8 or > 2048)
        {
            throw new ArgumentOutOfRangeException(nameof(Size), Size, "The image size must be between 8 and 2048 pixels.");
        }
        if (MaxBadFraction is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBadFraction), MaxBadFraction, "MaxBadFraction must be in [0, 1].");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxParallelism, 1);
    }
}
