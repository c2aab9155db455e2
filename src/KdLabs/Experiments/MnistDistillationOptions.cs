using KdLabs.Training;

namespace KdLabs.Experiments;

/// <summary>Settings of the MNIST teacher → student distillation lab.</summary>
public sealed record MnistDistillationOptions
{
    /// <summary>"cnn" (PyTorch-example CNNs) or "mlp" (Hinton 2015's 1200/800-unit MLPs).</summary>
    public string Family { get; init; } = "cnn";

    /// <summary>Weight of the hard-label term in <see cref="Losses.KdLoss"/> (α = 1: no distillation).</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>Softmax temperature of the soft term.</summary>
    public double Temperature { get; init; } = 4;

    /// <summary>Epochs for the teacher and both students.</summary>
    public int Epochs { get; init; } = 5;

    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>One seed for data order, initialisation, dropout and augmentation.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Use only the first N training images (null: all 60,000).</summary>
    public int? TrainLimit { get; init; }

    /// <summary>Use only the first N test images (null: all 10,000).</summary>
    public int? TestLimit { get; init; }

    /// <summary>Dropout on the MLPs' hidden layers (the CNNs have theirs built in).</summary>
    public double MlpDropout { get; init; }

    /// <summary>Random ±N pixel shifts during training (Hinton's "jitter"); 0 turns it off. Forces a live teacher.</summary>
    public int Jitter { get; init; }

    /// <summary>Small subsets and one epoch: the same code path in seconds.</summary>
    public bool Smoke { get; init; }

    /// <summary>Where results.json, report.html and checkpoints go.</summary>
    public string OutputDirectory { get; init; } = Path.Combine("runs", "mnist-distill");

    /// <summary>MNIST folder, or null for <c>data/mnist</c>.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>Repeats per latency measurement.</summary>
    public int LatencyRepeats { get; init; } = 30;

    /// <summary>Where training and evaluation run: auto (CUDA when available, else the CPU), cpu, cuda, cuda:N or mps. See <see cref="Training.ComputeDevice"/>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>The options with smoke-mode limits applied.</summary>
    public MnistDistillationOptions Effective() => Smoke
        ? this with { TrainLimit = Math.Min(TrainLimit ?? 2000, 2000), TestLimit = Math.Min(TestLimit ?? 1000, 1000), Epochs = 1, LatencyRepeats = Math.Min(LatencyRepeats, 5) }
        : this;

    /// <summary>Teacher and student model names for <see cref="Models.ModelCatalog"/>.</summary>
    public (string Teacher, string Student) ModelNames() => Family switch
    {
        "cnn" => ("cnn-teacher", "cnn-student"),
        "mlp" => ("mlp-teacher", "mlp-student"),
        _ => throw new ArgumentException($"Unknown model family '{Family}': use 'cnn' or 'mlp'.", nameof(Family)),
    };

    /// <summary>Trainer settings shared by all three runs.</summary>
    public TrainerOptions Trainer(string? checkpointDirectory) => new()
    {
        Epochs = Epochs,
        BatchSize = BatchSize,
        LearningRate = LearningRate,
        Seed = Seed,
        Augmentation = Jitter > 0 ? new Data.RandomShift(Jitter, background: -Data.MnistDataset.Mean / Data.MnistDataset.Std) : null,
        CheckpointDirectory = checkpointDirectory,
    };

    /// <summary>Throws with a clear message when a setting is out of range.</summary>
    public void Validate()
    {
        _ = new Losses.KdLoss(Alpha, Temperature);
        _ = ModelNames();
        ComputeDevice.Validate(Device);
        Trainer(null).Validate();
        if (TrainLimit is < 1 || TestLimit is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(TrainLimit), "Train and test limits must be at least 1.");
        }
        if (MlpDropout is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MlpDropout), MlpDropout, "Dropout must be in [0, 1).");
        }
    }
}
