using KdLabs.Infrastructure;
using KdLabs.Training;

namespace KdLabs.Experiments;

/// <summary>Settings of the soft-decision-tree lab (Frosst &amp; Hinton 2017): a CNN teacher distilled into a soft tree.</summary>
public sealed record SoftTreeLabOptions : ILabOptions<SoftTreeLabOptions>
{
    /// <summary>Output, data, seeds (one hard-label and one distilled tree per seed, from the same initial weights and data order), threads, device, smoke mode (a depth-4 tree, one epoch).</summary>
    public LabSettings Lab { get; init; } = new() { OutputDirectory = Path.Combine("runs", "mnist-sdt") };

    /// <summary>The tree and its training; the defaults are the kit's recipe (see <see cref="SoftTreeOptions"/>).</summary>
    public SoftTreeOptions Tree { get; init; } = new();

    /// <summary>
    /// The teacher: the MNIST lab's default CNN teacher (5 epochs, batch 64, Adam 1e-3, seed 1, all 60,000
    /// training images), reused from the cache when present. Its smoke flag, data folder and device are this record's.
    /// </summary>
    public MnistDistillationOptions Teacher { get; init; } = new();

    /// <summary>
    /// Hold out the last N training images and report accuracy on them instead of the test set (0: use
    /// the test set). This is how settings are chosen without looking at the test set. The teacher is
    /// still the one trained on all training images; the trees never see the held-out images.
    /// </summary>
    public int Validation { get; init; }

    /// <summary>Use only the first N training images (null: all 60,000), before the validation split.</summary>
    public int? TrainLimit { get; init; }

    /// <summary>Use only the first N test images (null: all 10,000).</summary>
    public int? TestLimit { get; init; }

    /// <summary>Train the hard-label trees (false: distilled only, e.g. when sweeping the temperature).</summary>
    public bool TrainHardLabel { get; init; } = true;

    /// <summary>Train the distilled trees (false: hard-label only, no teacher needed, e.g. when tuning the baseline).</summary>
    public bool TrainDistilled { get; init; } = true;

    /// <summary>The options with smoke-mode limits applied.</summary>
    public SoftTreeLabOptions Effective() => Lab.Smoke
        ? this with
        {
            TrainLimit = Math.Min(TrainLimit ?? 2000, 2000),
            TestLimit = Math.Min(TestLimit ?? 1000, 1000),
            Validation = Math.Min(Validation, 500),
            Tree = Tree with { Depth = Math.Min(Tree.Depth, 4), Epochs = 1 },
            Teacher = Teacher with { Lab = Teacher.Lab with { Smoke = true } },
        }
        : this;

    /// <summary>Throws with a clear message when a setting is out of range.</summary>
    public void Validate() => Infrastructure.OptionsValidation.Run(ValidateSettings);

    private void ValidateSettings()
    {
        Lab.Validate();
        Teacher.Validate();
        Tree.Validate();
        OptionsValidation.Between(TrainLimit, 1, OptionsValidation.MaxImages, nameof(TrainLimit));
        OptionsValidation.Between(TestLimit, 1, OptionsValidation.MaxImages, nameof(TestLimit));
        if (Validation < 0 || (TrainLimit is { } n && Validation >= n) || Validation >= 60_000)
        {
            throw new ArgumentOutOfRangeException(nameof(Validation), Validation, "The validation split must be 0 or more and leave training images.");
        }
        if (!TrainHardLabel && !TrainDistilled)
        {
            throw new ArgumentException("Nothing to train: both the hard-label and the distilled trees are turned off.");
        }
    }
}
