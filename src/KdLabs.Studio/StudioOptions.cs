using KdLabs.Infrastructure;

namespace KdLabs.Studio;

/// <summary>How <c>kdlabs studio</c> starts: where it listens and which teacher and data it loads.</summary>
public sealed record StudioOptions
{
    /// <summary>TCP port on 127.0.0.1; 0 picks a free one.</summary>
    public int Port { get; init; } = 5117;

    /// <summary>Smoke-sized teacher and data (2,000 training and 1,000 test images, one teacher epoch): the same code path in seconds, for tests.</summary>
    public bool Smoke { get; init; }

    /// <summary>MNIST folder, or null for <c>data/mnist</c>.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Only the first N training images (null: all 60,000): students draw from them, the teacher trains on up to lesson 02's 20,000 of them.</summary>
    public int? TrainLimit { get; init; }

    /// <summary>Teacher epochs (null: lesson 02's, 1).</summary>
    public int? TeacherEpochs { get; init; }

    /// <summary>Test images each student is scored on (null: the whole test split of the teacher's lab).</summary>
    public int? TestLimit { get; init; }

    /// <summary>Runs that may wait behind the running one, over all sessions; a submission beyond it is refused (503).</summary>
    public int QueueCapacity { get; init; } = 4;

    /// <summary>Test digits whose logits are shipped to the page for the softened-distribution view.</summary>
    public int ShownDigits { get; init; } = 32;

    /// <summary>Steps between streamed learning-curve points (the trainer's ReportEvery; results do not depend on it).</summary>
    public int ReportEvery { get; init; } = 10;

    /// <summary>Upper bound on epochs per run, to keep the page interactive.</summary>
    public int MaxEpochs { get; init; } = 20;

    /// <summary>Where finished runs are kept by run key (null: <c>studio/</c> under the kit's cache folder).</summary>
    public string? ResultsDirectory { get; init; }

    /// <summary>Most teacher epochs: the Studio trains its teacher while the page waits, so a longer teacher belongs to <c>kdlabs distill mnist</c>.</summary>
    public const int MaxTeacherEpochs = 100;

    /// <summary>Throws (marked as a setting, naming it) when a setting is out of range.</summary>
    public void Validate() => OptionsValidation.Run(() =>
    {
        OptionsValidation.Between(Port, 0, 65535, nameof(Port), "0: a free port");
        OptionsValidation.Path(DataDirectory, nameof(DataDirectory));
        OptionsValidation.Path(ResultsDirectory, nameof(ResultsDirectory));
        OptionsValidation.Between(TrainLimit, 1, 60_000, nameof(TrainLimit), "MNIST training images the teacher trains on and students draw from");
        OptionsValidation.Between(TeacherEpochs, 1, MaxTeacherEpochs, nameof(TeacherEpochs));
        OptionsValidation.Between(TestLimit, 1, 10_000, nameof(TestLimit));
        OptionsValidation.Between(QueueCapacity, 1, 100, nameof(QueueCapacity));
        OptionsValidation.Between(ShownDigits, 1, 1000, nameof(ShownDigits));
        OptionsValidation.Between(ReportEvery, 1, 100_000, nameof(ReportEvery));
        OptionsValidation.Between(MaxEpochs, 1, OptionsValidation.MaxEpochs, nameof(MaxEpochs));
    });
}
