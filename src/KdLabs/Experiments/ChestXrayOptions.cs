using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Methods;
using KdLabs.Training;

namespace KdLabs.Experiments;

/// <summary>Settings of the chest X-ray lab: ResNet-18 teacher → ~100k-parameter student.</summary>
public sealed record ChestXrayOptions : ILabOptions<ChestXrayOptions>
{
    /// <summary>
    /// Output, data (the real Kaggle folder, default <c>data/chest_xray</c>; ignored with <see cref="Synthetic"/>), seeds
    /// (of the student runs; the teacher uses the first), threads, device, smoke mode (32-px images, a few hundred samples).
    /// </summary>
    public LabSettings Lab { get; init; } = new() { OutputDirectory = Path.Combine("runs", "chest-xray") };

    /// <summary>Use (generating it when missing) the synthetic stand-in instead of real radiographs.</summary>
    public bool Synthetic { get; init; }

    /// <summary>Training images of the synthetic stand-in (test and val follow in Kaggle proportions).</summary>
    public int SyntheticTrainCount { get; init; } = 1200;

    /// <summary>Test images of the synthetic stand-in; null: the Kaggle share of <see cref="SyntheticTrainCount"/> (624/5216).</summary>
    public int? SyntheticTestCount { get; init; }

    /// <summary>Val images of the synthetic stand-in (class shares of the test split); null: the Kaggle share (16/5216, half and half).</summary>
    public int? SyntheticValidationCount { get; init; }

    /// <summary>
    /// Report the students on the synthetic set's val split instead of its test split, for choosing settings without the
    /// test set (needs <see cref="Synthetic"/>; teacher and students still train on train, and the teacher is the one the
    /// test-set runs use).
    /// </summary>
    public bool Validation { get; init; }

    /// <summary>Seed of the synthetic generator (independent of the training seeds).</summary>
    public int SyntheticSeed { get; init; } = 2018;

    /// <summary>Side of the synthetic JPEGs before the loader resizes them.</summary>
    public int SyntheticPixelSize { get; init; } = 256;

    /// <summary>Images are resized to ImageSize × ImageSize (the walk-through uses 224).</summary>
    public int ImageSize { get; init; } = 224;

    /// <summary>Train only the teacher's fc (backbone frozen, its BN statistics fixed); otherwise fine-tune everything.</summary>
    public bool FreezeBackbone { get; init; }

    /// <summary>A resnet18 weights file (PyTorch .pth/.pt or .safetensors, torchvision/timm names; <see cref="Models.PretrainedWeights"/>) to start the teacher from; null trains from scratch.</summary>
    public string? WeightsPath { get; init; }

    /// <summary>
    /// Start the teacher from ImageNet weights (<see cref="ChestXrayTeacherStart.ImageNet"/>: ML.NET's ResNet, three blocks in
    /// its last stage, fetched through NuGet on first use) or from scratch.
    /// </summary>
    public ChestXrayTeacherStart Pretrained { get; init; }

    /// <summary>The ResNet-18 teacher's training: epochs, batch size, Adam learning rate, schedule (cosine annealing to zero).</summary>
    public TrainingSettings Teacher { get; init; } = new() { Epochs = 5, BatchSize = 32, LearningRate = 1e-3, Schedule = LrSchedule.Cosine };

    /// <summary>Every student's training: epochs, batch size, Adam learning rate, schedule (constant, or cosine annealed to zero over the run, as the teacher's).</summary>
    public TrainingSettings Training { get; init; } = new() { Epochs = 10, BatchSize = 32, LearningRate = 1e-3, Schedule = LrSchedule.Constant };

    /// <summary>The walk-through's weight on the distillation term.</summary>
    public double DistillationWeight { get; init; } = 0.25;

    /// <summary>Temperatures of the walk-through loss the students are trained at; the first is the walk-through's T = 1.</summary>
    public IReadOnlyList<double> Temperatures { get; init; } = [1, 4];

    /// <summary>α (hard-label weight) and T of the kit's general KD loss, trained beside the walk-through's; null skips it.</summary>
    public KdOptions? Kd { get; init; } = new();

    /// <summary>Temperatures at which the teacher's soft targets are described.</summary>
    public IReadOnlyList<double> SoftTargetTemperatures { get; init; } = [1, 2, 4, 8];

    /// <summary>Use only N training images (a seeded, class-mixed sample).</summary>
    public int? TrainLimit { get; init; }

    /// <summary>Use only N test images (a seeded, class-mixed sample).</summary>
    public int? TestLimit { get; init; }

    /// <summary>Repeats per latency measurement.</summary>
    public int LatencyRepeats { get; init; } = 20;

    /// <summary>Also time both architectures at 224 px, the walk-through's size, for its speed-up claim.</summary>
    public bool LatencyAt224 { get; init; } = true;

    /// <summary>The weights file the teacher starts from (fetching and converting the ImageNet weights when they are asked for), or null from scratch.</summary>
    public string? TeacherWeightsFile(Action<string>? log = null) => Pretrained == ChestXrayTeacherStart.ImageNet ? Models.ImageNetResNet.EnsureWeights(log) : WeightsPath;

    /// <summary>The options with smoke-mode limits applied.</summary>
    public ChestXrayOptions Effective() => Lab.Smoke
        ? this with
        {
            ImageSize = Math.Min(ImageSize, 32), SyntheticTrainCount = Math.Min(SyntheticTrainCount, 300), SyntheticPixelSize = 96,
            TrainLimit = Math.Min(TrainLimit ?? 300, 300), TestLimit = Math.Min(TestLimit ?? 200, 200),
            Teacher = Teacher with { Epochs = 1 }, Training = Training with { Epochs = 2 }, LatencyRepeats = Math.Min(LatencyRepeats, 3),
        }
        : this;

    /// <summary>The student variants in table order: no KD, the walk-through loss at each temperature, the general loss.</summary>
    public IReadOnlyList<StudentVariant> Variants()
    {
        var list = new List<StudentVariant> { StudentVariant.NoDistillation };
        list.AddRange(Temperatures.Select(t => StudentVariant.WalkThrough(DistillationWeight, t)));
        if (Kd is { } kd)
        {
            list.Add(StudentVariant.General(kd.Alpha, kd.Temperature));
        }
        return list;
    }

    /// <summary>The images: the Kaggle folder or the synthetic stand-in, at <see cref="ImageSize"/>.</summary>
    public Datasets.ChestXrayDataset Dataset() => new(ImageSize, Synthetic, SyntheticTrainCount, SyntheticSeed, SyntheticPixelSize, SyntheticTestCount, SyntheticValidationCount);

    /// <summary>Teacher trainer settings: <see cref="Teacher"/>'s, random horizontal flips, small evaluation batches (ResNet activations are large).</summary>
    public TrainerOptions TeacherTrainer(string? checkpointDirectory) => Teacher.Trainer(Lab.FirstSeed) with
    {
        Augmentation = new RandomHorizontalFlip(), EvalBatchSize = 64, ReportEvery = 5, CheckpointDirectory = checkpointDirectory,
    };

    /// <summary>
    /// Student trainer settings. No augmentation: the teacher's logits are cached once per training
    /// image, which is only valid for the unaugmented inputs, and a live ResNet-18 on every student
    /// batch would cost more than all student runs together. The baseline gets the same inputs.
    /// </summary>
    public TrainerOptions StudentTrainer(int seed, string? checkpointDirectory) => Training.Trainer(seed) with
    {
        EvalBatchSize = 256, CheckpointDirectory = checkpointDirectory,
    };

    /// <summary>Throws with a clear message when a setting is out of range.</summary>
    public void Validate() => Infrastructure.OptionsValidation.Run(ValidateSettings);

    private void ValidateSettings()
    {
        Lab.Validate();
        Kd?.Validate();
        OptionsValidation.Between(SyntheticTrainCount, 20, 100_000, nameof(SyntheticTrainCount), "training images of the synthetic stand-in");
        OptionsValidation.Between(SyntheticTestCount, 20, 100_000, nameof(SyntheticTestCount), "the synthetic test split's images");
        OptionsValidation.Between(SyntheticValidationCount, 4, 100_000, nameof(SyntheticValidationCount), "the synthetic val split's images");
        OptionsValidation.Between(SyntheticPixelSize, 8, 4096, nameof(SyntheticPixelSize));
        OptionsValidation.Between(ImageSize, 8, 512, nameof(ImageSize), "even; the walk-through's is 224");
        if (Synthetic && (long)SyntheticTrainCount * ImageSize * ImageSize > Array.MaxLength)
        {
            // The decoded split is one byte array: its size is the product, which would overflow.
            throw new ArgumentOutOfRangeException(nameof(SyntheticTrainCount), SyntheticTrainCount,
                $"The decoded training split, {SyntheticTrainCount:N0} images of {ImageSize}² bytes, exceeds the {Array.MaxLength:N0} bytes one split may hold; lower the count or the image size.");
        }
        Teacher.Validate(nameof(Teacher), maxBatchSize: 4096);
        Training.Validate(maxBatchSize: 4096);
        OptionsValidation.Between(DistillationWeight, 0, 1, nameof(DistillationWeight), meaning: "the walk-through's weight of the distillation term");
        OptionsValidation.List(Temperatures, nameof(Temperatures));
        foreach (double t in Temperatures)
        {
            OptionsValidation.Between(t, Losses.SoftTargets.MinTemperature, Losses.SoftTargets.MaxTemperature, nameof(Temperatures));
        }
        OptionsValidation.List(SoftTargetTemperatures, nameof(SoftTargetTemperatures));
        OptionsValidation.Between(TrainLimit, 10, OptionsValidation.MaxImages, nameof(TrainLimit));
        OptionsValidation.Between(TestLimit, 10, OptionsValidation.MaxImages, nameof(TestLimit));
        OptionsValidation.Between(LatencyRepeats, 1, 10_000, nameof(LatencyRepeats));
        OptionsValidation.Path(WeightsPath, nameof(WeightsPath));
        _ = Dataset();
        if (ImageSize % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize, "The image size must be even (the student halves it with a 2×2 max-pool).");
        }
        _ = Variants();
        foreach (double t in SoftTargetTemperatures)
        {
            Losses.SoftTargets.ValidateTemperature(t);
        }
        TeacherTrainer(null).Validate();
        StudentTrainer(Lab.FirstSeed, null).Validate();
        if (Validation && !Synthetic && !(Lab.DataDirectory is { } dir && SyntheticChestXray.IsSynthetic(dir)))
        {
            throw new ArgumentException("Validation reports on the synthetic stand-in's val split: turn on the stand-in (Synthetic) too; the Kaggle val split has only 16 images.", nameof(Validation));
        }
        if (SyntheticTestCount is < 20 || SyntheticValidationCount is < 4)
        {
            throw SyntheticTestCount is < 20
                ? new ArgumentOutOfRangeException(nameof(SyntheticTestCount), SyntheticTestCount, "The synthetic test split needs at least 20 images.")
                : new ArgumentOutOfRangeException(nameof(SyntheticValidationCount), SyntheticValidationCount, "The synthetic val split needs at least 4 images.");
        }
        _ = SyntheticChestXray.SplitCounts(Math.Max(20, SyntheticTrainCount), SyntheticTestCount, SyntheticValidationCount);
        if (SyntheticTrainCount < 20)
        {
            throw new ArgumentOutOfRangeException(nameof(SyntheticTrainCount), SyntheticTrainCount, "The synthetic set needs at least 20 training images.");
        }
        if (Pretrained == ChestXrayTeacherStart.ImageNet && WeightsPath is not null)
        {
            throw new ArgumentException("Pass either ImageNet pretraining or a weights file, not both.", nameof(WeightsPath));
        }
        if (Pretrained == ChestXrayTeacherStart.ImageNet && !Models.OnnxResNet.ExactImageSize(ImageSize))
        {
            throw new ArgumentOutOfRangeException(nameof(ImageSize), ImageSize,
                "With the ImageNet teacher the image size must be a multiple of 32 (32, 64, 96, 128, ..., 224): only then does the kit's padding compute what the ONNX network's does.");
        }
        if (WeightsPath is not null)
        {
            RegularFile.Require(WeightsPath, "file", "Pass a resnet18 weights file (.pth/.pt from torch.save(model.state_dict()), or .safetensors; torchvision or timm names).");
        }
        if (WeightsPath is not null && !File.Exists(WeightsPath))
        {
            throw new DataFormatException(WeightsPath, "file", "not found", "Pass a resnet18 weights file (.pth/.pt from torch.save(model.state_dict()), or .safetensors; torchvision or timm names).");
        }
    }
}
