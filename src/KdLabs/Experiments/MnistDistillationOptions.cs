using KdLabs.Datasets;
using KdLabs.Infrastructure;
using KdLabs.Methods;
using KdLabs.Training;

namespace KdLabs.Experiments;

/// <summary>Settings of the teacher → student distillation lab on MNIST (the default) or another 1×28×28 data set.</summary>
public sealed record MnistDistillationOptions : ILabOptions<MnistDistillationOptions>
{
    /// <summary>Output, data, seeds, threads, device, smoke mode. The seeds are the students'; the teacher is seeded with the first.</summary>
    public LabSettings Lab { get; init; } = new() { OutputDirectory = Path.Combine("runs", "mnist-distill"), Seeds = [1] };

    /// <summary>
    /// The data set, a <see cref="DatasetRegistry"/> key: <c>mnist</c> (default) or <c>fashion-mnist</c>. The lab's models
    /// are the 1×28×28, ten-class ones, so a data set of another shape (<c>chest-xray</c>) is refused; it has its own lab.
    /// </summary>
    public string Dataset { get; init; } = "mnist";

    /// <summary>"cnn" (PyTorch-example CNNs) or "mlp" (Hinton 2015's 1200/800-unit MLPs).</summary>
    public string Family { get; init; } = "cnn";

    /// <summary>The distilled students' Hinton KD: α (hard-label weight; 1 = no distillation) and T of <see cref="Losses.KdLoss"/>.</summary>
    public KdOptions Kd { get; init; } = new();

    /// <summary>
    /// Every run's training: epochs of both students (and of the teacher unless <see cref="TeacherEpochs"/> is set), batch
    /// size, Adam learning rate, and the schedule of every run (teacher and students): constant, or cosine annealing to
    /// zero over the run, which lets a long run settle so its last epoch is its best-defined one.
    /// </summary>
    public TrainingSettings Training { get; init; } = new() { Epochs = 5, BatchSize = 64, LearningRate = 1e-3, Schedule = LrSchedule.Constant };

    /// <summary>Epochs for the teacher; null: <see cref="TrainingSettings.Epochs"/> of <see cref="Training"/> (then the teacher's cache key is the one it always had).</summary>
    public int? TeacherEpochs { get; init; }

    /// <summary>
    /// Seed of the teacher's initial weights, data order, dropout and jitter; null: the first of <see cref="LabSettings.Seeds"/>,
    /// as always. Setting it to that first seed names the same teacher, so runs of one student seed each can share it.
    /// </summary>
    public int? TeacherSeed { get; init; }

    /// <summary>The teacher trains on the first N training images (null: all of them); the students' sets are unaffected.</summary>
    public int? TeacherImages { get; init; }

    /// <summary>
    /// The students' transfer set: the first N training images, labelled (null: all of them). The teacher always trains on
    /// every training image; a small transfer set is the setting in which Hinton et al. (2015) show soft targets carrying
    /// what the labels cannot.
    /// </summary>
    public int? TransferSize { get; init; }

    /// <summary>
    /// Report on the last N training images instead of the test set (0: the test set), for choosing settings. The students
    /// never see them (their transfer set comes from the images before); the teacher is the one the test-set runs use,
    /// trained on every training image, so tuning and reporting distil the same teacher.
    /// </summary>
    public int Validation { get; init; }

    /// <summary>
    /// Leave this class out of the students' transfer set (Hinton et al. 2015's omitted-class experiment, digit 3 on MNIST;
    /// null: keep all ten). The lab then fits a bias on that class's logit on held-out training images and reports errors before and after.
    /// </summary>
    public int? OmitClass { get; init; }

    /// <summary>Held-out training images (never in the transfer set) on which the omitted class's logit bias is fitted.</summary>
    public int BiasFitSize { get; init; } = 5000;

    /// <summary>Use only the first N training images (null: all 60,000).</summary>
    public int? TrainLimit { get; init; }

    /// <summary>Use only the first N test images (null: all 10,000).</summary>
    public int? TestLimit { get; init; }

    /// <summary>Dropout on the MLPs' hidden layers (the CNNs have theirs built in).</summary>
    public double MlpDropout { get; init; }

    /// <summary>
    /// Dropout on the MLPs' input pixels (Hinton et al. 2015's teacher, after Hinton et al. 2012: 0.2, with 0.5 on the
    /// hidden layers); 0 turns it off. The students get it too unless <see cref="PlainStudents"/>.
    /// </summary>
    public double InputDropout { get; init; }

    /// <summary>
    /// Max-norm constraint on the MLPs: after every step each hidden unit's incoming weight vector is scaled back to this
    /// L2 norm when longer (Hinton et al. 2012's "weight constraints"); null: none. The students get it too unless <see cref="PlainStudents"/>.
    /// </summary>
    public double? MaxNorm { get; init; }

    /// <summary>Random ±N pixel shifts during training (Hinton's "jitter"); 0 turns it off. Forces a live teacher.</summary>
    public int Jitter { get; init; }

    /// <summary>
    /// Students train without dropout, input dropout, max-norm and jitter while the teacher keeps <see cref="MlpDropout"/>,
    /// <see cref="InputDropout"/>, <see cref="MaxNorm"/> and <see cref="Jitter"/>: Hinton et al. (2015)'s setting, where the 800-800 student "with no regularization" makes 146
    /// errors and the same net regularised only by the teacher's soft targets 74. Teacher logits can then be cached.
    /// </summary>
    public bool PlainStudents { get; init; }

    /// <summary>Dropout of the students' hidden layers: <see cref="MlpDropout"/>, or 0 with <see cref="PlainStudents"/>.</summary>
    public double StudentDropout => PlainStudents ? 0 : MlpDropout;

    /// <summary>Dropout of the students' input pixels: <see cref="InputDropout"/>, or 0 with <see cref="PlainStudents"/>.</summary>
    public double StudentInputDropout => PlainStudents ? 0 : InputDropout;

    /// <summary>The students' random shifts: <see cref="Jitter"/>, or 0 with <see cref="PlainStudents"/>.</summary>
    public int StudentJitter => PlainStudents ? 0 : Jitter;

    /// <summary>Repeats per latency measurement.</summary>
    public int LatencyRepeats { get; init; } = 30;

    /// <summary>The options with smoke-mode limits applied.</summary>
    public MnistDistillationOptions Effective() => Lab.Smoke
        ? this with
        {
            TrainLimit = Math.Min(TrainLimit ?? 2000, 2000), TestLimit = Math.Min(TestLimit ?? 1000, 1000), Training = Training with { Epochs = 1 }, LatencyRepeats = Math.Min(LatencyRepeats, 5),
            TeacherEpochs = TeacherEpochs is null ? null : 1, TeacherImages = TeacherImages is null ? null : Math.Min(TeacherImages.Value, 2000), TransferSize = TransferSize is null ? null : Math.Min(TransferSize.Value, 1000),
            Validation = Math.Min(Validation, 500), BiasFitSize = Math.Min(BiasFitSize, 500),
        }
        : this;

    /// <summary>
    /// The default of <c>kdlabs distill mnist</c> and lesson 02: the lesson's CNN student learns from a transfer set of
    /// 1,000 labelled images, distilled from a CNN teacher trained for one epoch on the first 20,000 training images (a
    /// teacher a fresh 2-core machine trains in minutes; it never sees the last 5,000 training images, where the settings
    /// were chosen). α and T were chosen on that validation split, never on the test set (docs/results.md).
    /// </summary>
    public static MnistDistillationOptions SmallTransferSet { get; } = new()
    {
        TransferSize = 1000, TeacherEpochs = 1, TeacherImages = 20000, Training = new() { Epochs = 10 }, Kd = new() { Alpha = 0.5, Temperature = 8 },
    };

    /// <summary>Teacher and student model names for <see cref="Models.ModelCatalog"/>.</summary>
    public (string Teacher, string Student) ModelNames() => Family switch
    {
        "cnn" => ("cnn-teacher", "cnn-student"),
        "mlp" => ("mlp-teacher", "mlp-student"),
        _ => throw new ArgumentException($"Unknown model family '{Family}': use 'cnn' or 'mlp'.", nameof(Family)),
    };

    /// <summary>The teacher's trainer settings: <see cref="Trainer"/> with <see cref="TeacherEpochs"/> and <see cref="TeacherSeed"/> when set.</summary>
    public TrainerOptions TeacherTrainer() => Trainer(null) with { Epochs = TeacherEpochs ?? Training.Epochs, Seed = TeacherSeed ?? Lab.FirstSeed };

    /// <summary>
    /// The students' trainer settings. With a small transfer set an epoch is a few dozen steps and a pass over the
    /// evaluation set costs as much as training, so it is read at mid-run and at the end only (results do not depend on it).
    /// </summary>
    public TrainerOptions StudentTrainer(int seed) => Trainer(null) with
    {
        Seed = seed, EvaluateEvery = TransferSize is null ? 1 : Math.Max(1, Training.Epochs / 2), Augmentation = PlainStudents ? null : Trainer(null).Augmentation,
        MaxNorm = PlainStudents ? null : MaxNorm,
    };

    /// <summary>True when the lab's models take <paramref name="dataset"/>'s images: 1×28×28 in ten classes.</summary>
    public static bool Fits(IImageClassificationDataset dataset) => dataset.InputShape == ImageShape.Mnist && dataset.ClassNames.Count == 10;

    /// <summary>The data set <see cref="Dataset"/> names.</summary>
    public IImageClassificationDataset DatasetInfo() => DatasetRegistry.Get(Dataset);

    /// <summary>A black pixel after normalisation, −mean/std: what a jittered image is padded with.</summary>
    private float Background()
    {
        var n = DatasetInfo().Normalization;
        return -n.Mean[0] / n.Std[0];
    }

    /// <summary>Trainer settings shared by all three runs.</summary>
    public TrainerOptions Trainer(string? checkpointDirectory) => Training.Trainer(Lab.FirstSeed) with
    {
        Augmentation = Jitter > 0 ? new Data.RandomShift(Jitter, background: Background()) : null,
        CheckpointDirectory = checkpointDirectory,
        MaxNorm = MaxNorm,
    };

    /// <summary>The largest random shift of a <paramref name="side"/>-pixel image: less than half its side, so its centre stays on the canvas.</summary>
    public static int MaxJitter(int side) => Math.Max(0, (side / 2) - 1);

    /// <summary>Throws with a clear message when a setting is out of range.</summary>
    public void Validate() => Infrastructure.OptionsValidation.Run(ValidateSettings);

    private void ValidateSettings()
    {
        Lab.Validate();
        Kd.Validate();
        _ = ModelNames();
        var data = DatasetInfo();
        if (!Fits(data))
        {
            throw new ArgumentException($"Data set '{data.Key}' has {data.InputShape} images in {data.ClassNames.Count} classes; this lab's models take 1×28×28 images in ten classes ({string.Join(", ", DatasetRegistry.All.Where(Fits).Select(d => d.Key))}). "
                + (data.Key == "chest-xray" ? "The chest X-ray set has its own lab: kdlabs chest-xray." : "Choose one of those."), nameof(Dataset));
        }
        Training.Validate();
        OptionsValidation.Between(TeacherEpochs, 1, OptionsValidation.MaxEpochs, nameof(TeacherEpochs), "leave it unset for the students' epochs");
        OptionsValidation.Between(TeacherSeed, 0, int.MaxValue, nameof(TeacherSeed), "leave it unset for the first student seed");
        OptionsValidation.Between(TrainLimit, 1, OptionsValidation.MaxImages, nameof(TrainLimit));
        OptionsValidation.Between(TestLimit, 1, OptionsValidation.MaxImages, nameof(TestLimit));
        OptionsValidation.Between(TeacherImages, 1, OptionsValidation.MaxImages, nameof(TeacherImages), "leave it unset for every training image");
        OptionsValidation.Between(TransferSize, 1, OptionsValidation.MaxImages, nameof(TransferSize), "leave it unset for every training image");
        OptionsValidation.Between(Validation, 0, OptionsValidation.MaxImages, nameof(Validation), "0: report on the test set");
        OptionsValidation.Between(BiasFitSize, 1, OptionsValidation.MaxImages, nameof(BiasFitSize));
        OptionsValidation.Between(LatencyRepeats, 1, 10_000, nameof(LatencyRepeats));
        OptionsValidation.Between(Jitter, 0, MaxJitter(data.InputShape.Width), nameof(Jitter), $"0 turns it off; a larger shift moves the {data.InputShape.Width}-px image's centre off its canvas");
        Trainer(null).Validate();
        if (OmitClass is < 0 or > 9)
        {
            throw new ArgumentOutOfRangeException(nameof(OmitClass), OmitClass, $"The omitted class must be a class index of {data.DisplayName}, 0 to 9 ({string.Join(", ", data.ClassNames.Select((c, i) => $"{i} {c}"))}).");
        }
        if (Training.Schedule is not (LrSchedule.Constant or LrSchedule.Cosine))
        {
            throw new ArgumentOutOfRangeException($"{nameof(Training)}.{nameof(TrainingSettings.Schedule)}", Training.Schedule, "The distillation lab's schedule is Constant or Cosine.");
        }
        if (!(MlpDropout >= 0 && MlpDropout < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(MlpDropout), MlpDropout, "Dropout must be in [0, 1).");
        }
        if (!(InputDropout >= 0 && InputDropout < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(InputDropout), InputDropout, "InputDropout must be in [0, 1): the share of input pixels dropped in training.");
        }
        if (Family != "mlp" && InputDropout > 0)
        {
            throw new ArgumentException($"InputDropout applies to the MLPs (Family mlp); the {Family} models have their own dropout. Leave it at 0.", nameof(InputDropout));
        }
        if (Family != "mlp" && MaxNorm is not null)
        {
            throw new ArgumentException($"MaxNorm constrains the MLPs' hidden units (Family mlp); the {Family} models have none. Leave it unset.", nameof(MaxNorm));
        }
    }
}
