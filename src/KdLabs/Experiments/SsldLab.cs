using System.Diagnostics;
using System.Text.Json;
using KdLabs.Data;
using KdLabs.Evaluation;
using KdLabs.Infrastructure;
using KdLabs.Losses;
using KdLabs.Methods;
using KdLabs.Models;
using KdLabs.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace KdLabs.Experiments;

/// <summary>
/// SSLD (PaddleClas's semi-supervised label distillation) at MNIST scale: a batch-norm CNN teacher trained on a
/// small labelled subset labels the rest of the training set, SSLD mines the images it is most confident about
/// (top-k per class), and a student learns the teacher's soft labels on labelled + mined images with the JS
/// divergence, never reading a label; a fine-tune on the labelled subset follows. Baselines: the student on the
/// labelled subset alone, with and without Hinton KD. Ablations change one part of the recipe at a time.
/// The CLI (<c>kdlabs ssld mnist</c>) and lesson 05 both call this class.
/// </summary>
public sealed class SsldLab : LabBase<SsldOptions, SsldResult>, IDisposable
{
    private InMemoryDataset? labeled;
    private InMemoryDataset? pool;
    private InMemoryDataset? test;
    private nn.Module<Tensor, Tensor>? teacher;
    private TopKSelection? mined;
    private long[]? poolTeacherClasses;
    private InMemoryDataset? minedTrain;
    private InMemoryDataset? allTrain;
    private readonly Dictionary<string, TeacherLogitCache> logitCaches = [];

    /// <summary>Creates the lab; nothing is loaded or trained until asked.</summary>
    public SsldLab(SsldOptions options, ITrainingProgress? progress = null, Action<string>? log = null)
        : base(options, progress, log)
    {
    }

    /// <summary>The labelled subset (class-balanced, picked by <see cref="SsldOptions.SplitSeed"/>).</summary>
    public InMemoryDataset Labeled => Load().labeled!;

    /// <summary>The unlabelled pool: the other training images. Their labels are kept only to score mining afterwards.</summary>
    public InMemoryDataset Pool => Load().pool!;

    /// <summary>The test images.</summary>
    public InMemoryDataset Test => Load().test!;

    /// <summary>SHA-256 of the teacher's weights (after <see cref="GetTeacher"/>).</summary>
    public string TeacherId { get; private set; } = "";

    /// <summary>The teacher's run key (after <see cref="GetTeacher"/>): the parent of the distilled students' keys.</summary>
    public RunKey? TeacherKey { get; private set; }

    /// <summary>
    /// The teacher: the batch-norm CNN trained on the labelled subset only, cached under the kit's cache folder by
    /// its settings and the subset, and reused when its checkpoint is complete.
    /// </summary>
    public nn.Module<Tensor, Tensor> GetTeacher()
    {
        if (teacher is not null)
        {
            return teacher;
        }
        // The teacher store's entry for this model, settings and labelled subset (its pixels are in the key).
        var stored = TeacherStore.GetOrTrain("cnn-bn-teacher", Options.Trainer(Options.TeacherEpochs, 1, warmupCosine: false), 0, Labeled, Test, Progress, Log,
            "teacher (labelled subset only)");
        TeacherId = stored.Id;
        TeacherKey = stored.Key;
        teacher = stored.Model;
        return teacher;
    }

    /// <summary>
    /// SSLD's data mining: the teacher (eval mode) scores the pool and keeps the <see cref="SsldOptions.TopK"/> most
    /// confident images of each predicted class; they are labelled with the teacher's class, never the true one.
    /// </summary>
    public TopKSelection Mine()
    {
        if (mined is not null)
        {
            return mined;
        }
        // Kept beside the cached teacher, keyed by its run and the pool's pixels: the pass over 59,000 images is the one
        // step of a rerun that would otherwise repeat work the teacher cache already paid for.
        var teacher = GetTeacher(); // first: it sets TeacherKey and TeacherId, which key the logits
        using var poolLogits = TeacherLogitCache.GetOrBuild(RunStore.TeacherLogits, TeacherKey, teacher, TeacherId,
            Pool, Predictor.DefaultBatchSize, line => Log($"pool: {line}"));
        var logits = poolLogits.All;
        // One teacher pass over the pool serves both the mining and the whole-pool ablation.
        poolTeacherClasses = Predictor.ArgMax(logits);
        using var probabilities = logits.softmax(1);
        mined = TopKPerClassSelector.Select(probabilities, Options.TopK);
        Log($"mining: {mined.Indices.Length:N0} of {Pool.Count:N0} unlabelled images kept, per class {string.Join(" ", mined.CountsPerClass)}");
        return mined;
    }

    /// <summary>The teacher's accuracy on the test images.</summary>
    public double TeacherAccuracy() => Accuracy(GetTeacher(), Test);

    /// <summary>How often the teacher's class for a mined image is its true label (labels read for this score only).</summary>
    public double MinedPseudoLabelAccuracy()
    {
        var m = Mine();
        var truth = Pool.LabelArray();
        return m.Indices.Select((index, i) => truth[index] == m.PredictedClasses[i] ? 1.0 : 0.0).DefaultIfEmpty(0).Average();
    }

    /// <summary>The student trained on the labelled subset with cross-entropy.</summary>
    public (nn.Module<Tensor, Tensor> Model, TrainingHistory History) TrainLabeledOnly(int seed) =>
        Train("student, labels only", seed, Labeled, Options.Trainer(Options.LabeledEpochs, seed, false), new SupervisedObjective());

    /// <summary>The student trained on the labelled subset with Hinton KD from the teacher (cached logits).</summary>
    public (nn.Module<Tensor, Tensor> Model, TrainingHistory History) TrainKdLabeledOnly(int seed)
    {
        var objective = DistillationMethods.Kd.With(Options.Kd).Objective(CachedTeacher(Labeled));
        return Train($"KD (α={Options.Kd.Alpha:0.##}, T={Options.Kd.Temperature:0.##}), labels only", seed, Labeled, Options.Trainer(Options.LabeledEpochs, seed, false), objective);
    }

    /// <summary>
    /// Label-free SSLD: the student learns the teacher's soft labels with <paramref name="loss"/> on the labelled
    /// images plus the mined ones (or the whole pool), under a warmup-cosine schedule. <paramref name="teacherTrainMode"/>
    /// runs the teacher with batch statistics, as SSLD does. <paramref name="epochs"/> defaults to
    /// <see cref="SsldOptions.Training"/>'s on the mined images and <see cref="SsldOptions.EpochsOnWholePool"/> on the whole pool.
    /// </summary>
    public (nn.Module<Tensor, Tensor> Model, TrainingHistory History) TrainSsld(int seed, string name, SoftLabelLoss loss = SoftLabelLoss.Js,
        bool teacherTrainMode = true, bool mineTopK = true, int? epochs = null) =>
        TrainSsld(new Methods.SoftLabelMethod(new Methods.SoftLabelOptions { Loss = loss }), seed, name, teacherTrainMode, mineTopK, epochs);

    /// <summary>
    /// SSLD's training step with any logit method in place of its soft-label loss, e.g. a loss written in a cell
    /// (<see cref="Methods.LearnerLogitMethod"/>; it gets the teacher's logits and, since SSLD reads no labels, should ignore the labels).
    /// </summary>
    public (nn.Module<Tensor, Tensor> Model, TrainingHistory History) TrainSsld(Methods.ILogitMethod method, int seed, string name,
        bool teacherTrainMode = true, bool mineTopK = true, int? epochs = null)
    {
        var train = mineTopK ? MinedTrain() : AllTrain();
        using var batchTeacher = teacherTrainMode ? new BatchStatisticsTeacher(GetTeacher(), TeacherId) : null;
        ITeacherSignal signal = batchTeacher is not null ? batchTeacher : CachedTeacher(train);
        int runEpochs = epochs ?? (mineTopK ? Options.Training.Epochs : Options.EpochsOnWholePool());
        return Train(name, seed, train, Options.Trainer(runEpochs, seed, true), method.Objective(signal));
    }

    /// <summary>
    /// SSLD's last step: fine-tunes <paramref name="student"/> on the labelled subset with cross-entropy at a lower
    /// learning rate, per-stage multipliers (<see cref="SsldOptions.FinetuneMultipliers"/>) keeping the early layers steadier.
    /// The fine-tune's checkpoint is keyed by the SHA-256 of <paramref name="student"/>'s weights, so it is never resumed
    /// on top of other weights.
    /// </summary>
    public (nn.Module<Tensor, Tensor> Model, TrainingHistory History) Finetune(nn.Module<Tensor, Tensor> student, int seed)
    {
        var options = Options.Trainer(Options.FinetuneEpochs, seed, false) with
        {
            LearningRate = Options.FinetuneLearningRate,
            StageMultipliers = Options.FinetuneMultipliers,
        };
        return Train("SSLD + fine-tune on labels", seed, Labeled, options, new SupervisedObjective(), student);
    }

    /// <summary>Runs every row (main rows over all seeds, ablations on the first) and writes results.json, results.md and report.html.</summary>
    public override SsldResult Run()
    {
        var clock = Stopwatch.StartNew();
        double teacherAccuracy = TeacherAccuracy();
        Log($"teacher (trained on {Labeled.Count:N0} labelled images only): test accuracy {teacherAccuracy:P2}");
        Mine();
        var rows = new List<SsldRow>();
        void Add(string group, (nn.Module<Tensor, Tensor> Model, TrainingHistory History) run, int seed, int images)
        {
            rows.Add(Row(group, run.History, seed, images));
            run.Model.Dispose();
        }
        const string main = "main";
        foreach (int seed in Lab.Seeds)
        {
            Add(main, TrainLabeledOnly(seed), seed, Labeled.Count);
            Add(main, TrainKdLabeledOnly(seed), seed, Labeled.Count);
            var ssld = TrainSsld(seed, Options.MineTopK ? SsldName : WholePoolName, mineTopK: Options.MineTopK);
            rows.Add(Row(main, ssld.History, seed, Options.MineTopK ? MinedTrain().Count : AllTrain().Count));
            Add(main, Finetune(ssld.Model, seed), seed, Labeled.Count);
        }
        if (Options.Ablations)
        {
            int s = Lab.Seeds[0];
            const string ablation = "ablation";
            Add(ablation, TrainSsld(s, "SSLD, soft cross-entropy instead of JS", SoftLabelLoss.SoftCrossEntropy), s, MinedTrain().Count);
            Add(ablation, TrainSsld(s, "SSLD, KL instead of JS", SoftLabelLoss.Kl), s, MinedTrain().Count);
            Add(ablation, TrainSsld(s, "SSLD, teacher in eval mode", teacherTrainMode: false), s, MinedTrain().Count);
            if (Options.MineTopK)
            {
                Add(ablation, TrainSsld(s, WholePoolName, mineTopK: false), s, AllTrain().Count);
            }
            Add(ablation, TrainSsld(s, $"SSLD, {Options.LongerEpochs} epochs instead of {Options.Training.Epochs}", epochs: Options.LongerEpochs), s, MinedTrain().Count);
        }
        var result = new SsldResult(Options, RunEnvironment.Describe(Device), clock.Elapsed.TotalSeconds, teacherAccuracy, Pool.Count,
            Mine().CountsPerClass, MinedPseudoLabelAccuracy(), rows);
        WriteResults(result, SsldReport.Markdown(result), SsldReport.Html(result));
        return result;
    }

    /// <summary>The name of the main SSLD row.</summary>
    public const string SsldName = "SSLD (JS, teacher BN train, top-k + labelled)";

    /// <summary>
    /// The SSLD row that distils on the whole pool instead of the mined top-k; the same name as a main row
    /// (<see cref="SsldOptions.MineTopK"/> off) and as an ablation, so either reuses the other's checkpoints.
    /// </summary>
    public const string WholePoolName = "SSLD, whole pool instead of top-k";

    private static SsldRow Row(string group, TrainingHistory h, int seed, int images) =>
        new(group, h.RunName, seed, images, h.Epochs.Count, h.Last.TestAccuracy, h.Epochs.Where(e => !double.IsNaN(e.TestAccuracy)).Max(e => e.TestAccuracy), h.TotalSeconds);

    private (nn.Module<Tensor, Tensor> Model, TrainingHistory History) Train(string name, int seed, InMemoryDataset train, TrainerOptions options,
        ITrainingObjective objective, nn.Module<Tensor, Tensor>? start = null)
    {
        var student = start ?? ModelCatalog.Create("cnn-student", seed + 1);
        // A fine-tune starts from given weights, named by their hash; a fresh student's come from the seed in the trainer settings.
        var key = RunKey.Create("student", "cnn-student", train.Fingerprint, options, objective.RunIdentity,
            new { Evaluation = Test.Fingerprint, StartWeights = start is null ? null : Checkpoint.WeightsSha256(start) },
            objective is SupervisedObjective ? null : TeacherKey);
        var store = new RunStore(Path.Combine(Lab.OutputDirectory, "checkpoints"));
        var history = store.Run(key, $"{name}-s{seed}", dir => new Trainer(options with { CheckpointDirectory = dir }, Progress).Fit(student, train, Test, objective, name));
        return (student, history);
    }

    private TeacherLogitCache CachedTeacher(InMemoryDataset data)
    {
        if (!logitCaches.TryGetValue(data.Fingerprint, out var cache))
        {
            cache = TeacherLogitCache.Build(GetTeacher(), TeacherId, data, 1000, Log);
            logitCaches[data.Fingerprint] = cache;
        }
        return cache;
    }

    private InMemoryDataset MinedTrain() => minedTrain ??= Combine($"labelled+top{Options.TopK}", Mine().Indices, Mine().PredictedClasses);

    private InMemoryDataset AllTrain()
    {
        if (allTrain is null)
        {
            Mine();
            allTrain = Combine("labelled+whole-pool", Enumerable.Range(0, Pool.Count).Select(i => (long)i).ToArray(), poolTeacherClasses!);
        }
        return allTrain;
    }

    // Pool images carry the teacher's class as their label: the label-free loss never reads it, and the trainer's
    // "train accuracy" then reads as agreement with the teacher instead of leaking the hidden labels.
    private InMemoryDataset Combine(string what, long[] poolIndices, long[] teacherClasses)
    {
        using var scope = NewDisposeScope();
        using var idx = tensor(poolIndices, device: Pool.Device);
        var features = cat([Labeled.Features, Pool.Features.index_select(0, idx)], 0);
        var labels = cat([Labeled.Labels, tensor(teacherClasses, device: Labeled.Device)], 0);
        return new InMemoryDataset($"mnist-ssld-{what}-teacher{TeacherId[..12]}-{Labeled.Name}", features, labels, Labeled.ClassNames);
    }

    private SsldLab Load()
    {
        if (labeled is not null)
        {
            return this;
        }
        string dir = Lab.DataDirectory ?? MnistFiles.DefaultDirectory;
        MnistFiles.EnsurePresent(dir, Log);
        // The whole set moves to the device once; the subsets are cut there.
        using var train = MnistDataset.Load(train: true, dir).MoveTo(Device.Device);
        var perClass = Options.Labeled / 10;
        var order = BatchLoader.EpochOrder(train.Count, shuffle: true, Options.SplitSeed, 0);
        var labels = train.LabelArray();
        var chosen = new HashSet<long>();
        var counts = new int[10];
        foreach (long i in order)
        {
            if (counts[labels[i]] < perClass)
            {
                counts[labels[i]]++;
                chosen.Add(i);
            }
        }
        var rest = order.Where(i => !chosen.Contains(i)).ToArray();
        if (Options.PoolLimit is { } limit)
        {
            rest = rest.Take(limit).ToArray();
        }
        labeled = train.Subset($"mnist-labelled-{Options.Labeled}-split{Options.SplitSeed}", chosen.Order().ToArray());
        pool = train.Subset($"mnist-pool-{rest.Length}-split{Options.SplitSeed}", rest);
        test = MnistDataset.Load(train: false, dir, Options.TestLimit).MoveTo(Device.Device);
        Log($"data: {labeled.Count:N0} labelled training images ({perClass} per class), {pool.Count:N0} unlabelled, {test.Count:N0} test");
        return this;
    }

    private static double Accuracy(nn.Module<Tensor, Tensor> model, InMemoryDataset data)
    {
        using var logits = Predictor.Logits(model, data);
        return ClassificationReport.From(Predictor.ArgMax(logits), data.LabelArray(), data.NumClasses).Accuracy;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var cache in logitCaches.Values)
        {
            cache.Dispose();
        }
        teacher?.Dispose();
        minedTrain?.Dispose();
        allTrain?.Dispose();
        labeled?.Dispose();
        pool?.Dispose();
        test?.Dispose();
    }
}
