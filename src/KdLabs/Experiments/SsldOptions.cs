using KdLabs.Infrastructure;
using KdLabs.Methods;
using KdLabs.Training;

namespace KdLabs.Experiments;

/// <summary>
/// Settings of the SSLD lab at MNIST scale: a small labelled subset, the rest of the training set as the unlabelled
/// pool, a batch-norm CNN teacher trained on the labelled subset only, and the CNN student.
/// </summary>
public sealed record SsldOptions : ILabOptions<SsldOptions>
{
    /// <summary>Output, data, seeds (of the main rows; the ablations use the first), threads, device, smoke mode.</summary>
    public LabSettings Lab { get; init; } = new() { OutputDirectory = Path.Combine("runs", "ssld-mnist") };

    /// <summary>Labelled training images, class-balanced (Labeled / 10 per class).</summary>
    public int Labeled { get; init; } = 1000;

    /// <summary>Seed that picks the labelled subset; fixed so every row and seed sees the same labels.</summary>
    public int SplitSeed { get; init; }

    /// <summary>Use only the first N images of the unlabelled pool (null: all of it).</summary>
    public int? PoolLimit { get; init; }

    /// <summary>Images mined per class from the pool by teacher confidence (SSLD's top-k selection).</summary>
    public int TopK { get; init; } = 1500;

    /// <summary>
    /// Whether the main SSLD rows distil on the labelled images plus the mined top-k (SSLD's recipe) or plus the whole
    /// pool (the one ablation that helped at MNIST scale, run over every seed with this off).
    /// </summary>
    public bool MineTopK { get; init; } = true;

    /// <summary>
    /// Epochs of the students that distil on the whole pool (null: <see cref="TrainingSettings.Epochs"/>, as the mined
    /// ones). One epoch over labelled + whole pool (60,000 images) is about the steps of four over labelled + top-k
    /// (16,000): the compute-matched comparison, at a quarter of the time.
    /// </summary>
    public int? WholePoolEpochs { get; init; }

    /// <summary>Teacher epochs on the labelled subset.</summary>
    public int TeacherEpochs { get; init; } = 40;

    /// <summary>Epochs of the students trained on the labelled subset only.</summary>
    public int LabeledEpochs { get; init; } = 40;

    /// <summary>
    /// The label-free distillation runs over labelled + mined images (the SSLD rows): their epochs and schedule (warmup
    /// then cosine, <see cref="WarmupEpochs"/>); the batch size and Adam learning rate of every run (the fine-tune has
    /// its own rate). The other runs train at a constant rate for their own epochs.
    /// </summary>
    public TrainingSettings Training { get; init; } = new() { Epochs = 4, BatchSize = 64, LearningRate = 1e-3, Schedule = LrSchedule.WarmupCosine };

    /// <summary>Epochs of the "longer training" ablation.</summary>
    public int LongerEpochs { get; init; } = 8;

    /// <summary>Warmup epochs of the cosine schedule of the SSLD runs.</summary>
    public double WarmupEpochs { get; init; } = 0.5;

    /// <summary>Epochs of the final fine-tune on the labelled subset.</summary>
    public int FinetuneEpochs { get; init; } = 5;

    /// <summary>Base learning rate of the fine-tune.</summary>
    public double FinetuneLearningRate { get; init; } = 3e-4;

    /// <summary>Fine-tune learning-rate multipliers for the student's stages conv1, conv2, fc1, fc2.</summary>
    public IReadOnlyList<double> FinetuneMultipliers { get; init; } = [0.1, 0.1, 1, 1];


    /// <summary>α and T of the "KD on labels only" row.</summary>
    public KdOptions Kd { get; init; } = new();

    /// <summary>Run the ablation rows.</summary>
    public bool Ablations { get; init; } = true;

    /// <summary>Test images (null: all 10,000).</summary>
    public int? TestLimit { get; init; }

    /// <summary>These options, shrunk when <see cref="LabSettings.Smoke"/> is set.</summary>
    public SsldOptions Effective() => Lab.Smoke
        ? this with
        {
            Labeled = Math.Min(Labeled, 100), PoolLimit = Math.Min(PoolLimit ?? 1000, 1000), TopK = Math.Min(TopK, 30), TestLimit = Math.Min(TestLimit ?? 500, 500),
            TeacherEpochs = 1, LabeledEpochs = 1, Training = Training with { Epochs = 1 }, WholePoolEpochs = WholePoolEpochs is null ? null : 1, LongerEpochs = 2, FinetuneEpochs = 1, WarmupEpochs = Math.Min(WarmupEpochs, 0.5),
        }
        : this;

    /// <summary>The whole-pool students' epochs: <see cref="WholePoolEpochs"/>, or the mined students' when it is unset.</summary>
    public int EpochsOnWholePool() => WholePoolEpochs ?? Training.Epochs;

    /// <summary>Trainer settings for a run of <paramref name="epochs"/> epochs: an SSLD run's schedule when <paramref name="warmupCosine"/>, else a constant rate.</summary>
    public TrainerOptions Trainer(int epochs, int seed, bool warmupCosine) => Training.Trainer(seed) with
    {
        Epochs = epochs,
        Schedule = warmupCosine ? Training.Schedule : LrSchedule.Constant,
        WarmupEpochs = warmupCosine ? Math.Min(WarmupEpochs, epochs) : 0,
        // 40 epochs of 1,000 images would spend most of their time on the 10,000 test images.
        EvaluateEvery = epochs >= 20 ? 10 : 1,
    };

    /// <summary>Throws with a message naming the setting when one is out of range.</summary>
    public void Validate() => Infrastructure.OptionsValidation.Run(ValidateSettings);

    private void ValidateSettings()
    {
        Lab.Validate();
        Require(Labeled >= 10 && Labeled % 10 == 0 && Labeled <= 50_000, nameof(Labeled), Labeled, "a multiple of 10 between 10 and 50,000");
        OptionsValidation.Between(TopK, 1, 60_000, nameof(TopK), "images mined per class");
        OptionsValidation.Between(PoolLimit, 10, OptionsValidation.MaxImages, nameof(PoolLimit));
        OptionsValidation.Between(TestLimit, 1, OptionsValidation.MaxImages, nameof(TestLimit));
        OptionsValidation.Between(TeacherEpochs, 1, OptionsValidation.MaxEpochs, nameof(TeacherEpochs));
        OptionsValidation.Between(LabeledEpochs, 1, OptionsValidation.MaxEpochs, nameof(LabeledEpochs));
        Training.Validate();
        OptionsValidation.Between(Training.Epochs, 1, OptionsValidation.MaxEpochs / 2, $"{nameof(Training)}.{nameof(TrainingSettings.Epochs)}", "the 'longer training' ablation trains twice as many");
        OptionsValidation.Between(WholePoolEpochs, 1, OptionsValidation.MaxEpochs, nameof(WholePoolEpochs));
        OptionsValidation.Between(LongerEpochs, 1, OptionsValidation.MaxEpochs, nameof(LongerEpochs));
        OptionsValidation.Between(FinetuneEpochs, 1, OptionsValidation.MaxEpochs, nameof(FinetuneEpochs));
        OptionsValidation.Between(WarmupEpochs, 0, OptionsValidation.MaxEpochs, nameof(WarmupEpochs));
        OptionsValidation.Between(FinetuneLearningRate, 0, OptionsValidation.MaxLearningRate, nameof(FinetuneLearningRate), minExclusive: true);
        Require(FinetuneMultipliers.Count == 4, nameof(FinetuneMultipliers), FinetuneMultipliers.Count, "four multipliers (conv1, conv2, fc1, fc2)");
        Kd.Validate();
        Trainer(Training.Epochs, 1, true).Validate();
    }

    private static void Require(bool ok, string name, object value, string expected)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be {expected}.");
        }
    }
}
