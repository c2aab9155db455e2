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

    /// <summary>
    /// Add the N training images after the first <see cref="TrainLimit"/> to the distilled trees' transfer set with the
    /// teacher's soft targets only (0: none). Their labels are never read (the lab replaces them by
    /// <see cref="UnlabelledMark"/> before training) and the hard-label trees never see them; the MNIST lab's teacher
    /// trained on them, so they are new to the tree, not to the teacher.
    /// </summary>
    public int Unlabelled { get; init; }

    /// <summary>The label an unlabelled image of the transfer set carries: not a class, so nothing can use it as one.</summary>
    public const long UnlabelledMark = -1;

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
            TrainLimit = Math.Min(TrainLimit ?? 2000, Unlabelled > 0 ? 1000 : 2000),
            TestLimit = Math.Min(TestLimit ?? 1000, 1000),
            Validation = Math.Min(Validation, 500),
            // The smoke teacher lab loads 2,000 training images: with unlabelled images, half for the trees, half unlabelled.
            Unlabelled = Math.Min(Unlabelled, 1000),
            Tree = Tree with { Depth = Math.Min(Tree.Depth, 4), Epochs = 1 },
            Teacher = Teacher with { Lab = Teacher.Lab with { Smoke = true } },
        }
        : this;

    /// <summary>Throws with a clear message when a setting is out of range.</summary>
    public void Validate() => Infrastructure.OptionsValidation.Run(ValidateSettings);

    // MNIST's training set; the lab checks the loaded set's size again (a smoke run loads fewer).
    private const int MnistTrainingImages = 60_000;

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
        OptionsValidation.Between(Unlabelled, 0, MnistTrainingImages, nameof(Unlabelled), "unlabelled images added to the distilled trees' transfer set");
        if (Unlabelled > 0)
        {
            if (TrainLimit is not { } limit || limit + Unlabelled > MnistTrainingImages)
            {
                throw new ArgumentOutOfRangeException(nameof(Unlabelled), Unlabelled,
                    $"Unlabelled images are the ones after the first (TrainLimit) training images, so (TrainLimit) + (Unlabelled) must be at most {MnistTrainingImages:N0} (got {TrainLimit?.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) ?? "all"} + {Unlabelled:N0}); "
                    + "set (TrainLimit) to the labelled images, e.g. 15,000 with 45,000 unlabelled, or lower (Unlabelled).");
            }
            if (!TrainDistilled)
            {
                throw new ArgumentException("Unlabelled images feed only the distilled trees, and (TrainDistilled) turns them off; drop one of the two.", nameof(Unlabelled));
            }
        }
        if (!TrainHardLabel && !TrainDistilled)
        {
            throw new ArgumentException("Nothing to train: both the hard-label and the distilled trees are turned off.");
        }
    }
}
