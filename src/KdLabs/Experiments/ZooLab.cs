using System.Diagnostics;
using System.Text.Json;
using KdLabs.Data;
using KdLabs.Datasets;
using KdLabs.Evaluation;
using KdLabs.Infrastructure;
using KdLabs.Losses;
using KdLabs.Methods;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Experiments;

/// <summary>
/// Lesson 06's method zoo: one teacher (the course teacher, lesson 02's CNN), one student and lesson 02's transfer set, MNIST (or Fashion-MNIST, <see cref="ZooOptions.Dataset"/>), and one budget, with each
/// distillation method of <see cref="ZooOptions.Methods"/> (registry keys; by default lesson 06's nine: KD, FitNets, attention transfer, FSP,
/// two multi-teacher variants, deep mutual learning and DKD, against the student on labels alone) swapped in turn. Every method runs every seed, so the table can say
/// which beat plain KD here and which did not. The CLI (<c>kdlabs zoo mnist</c>) and lesson 06 both call this class.
/// </summary>
public sealed class ZooLab : LabBase<ZooOptions, ZooResult>, IDisposable
{
    private const string StudentModel = "cnn-student";
    private InMemoryDataset? train;
    private InMemoryDataset? teacherTrain;
    private InMemoryDataset? transfer;
    private InMemoryDataset? test;
    private List<StoredTeacher>? teachers;
    private List<TeacherLogitCache>? logitCaches;
    private List<TeacherLogitCache>? testLogits;
    private double teacherLogitSeconds;
    private bool trainedSinceReset;

    /// <summary>Creates the lab; nothing is loaded or trained until asked.</summary>
    public ZooLab(ZooOptions options, ITrainingProgress? progress = null, Action<string>? log = null)
        : base(options, progress, log)
    {
    }

    /// <summary>The training images.</summary>
    public InMemoryDataset Train => Load().train!;

    /// <summary>The teachers' training images: the first <see cref="ZooOptions.TeacherImages"/> of <see cref="Train"/>, or all.</summary>
    public InMemoryDataset TeacherTrain => Load().teacherTrain!;

    /// <summary>The students' transfer set, the same for every method: the first <see cref="ZooOptions.TransferSize"/> of <see cref="Train"/>, or all.</summary>
    public InMemoryDataset Transfer => Load().transfer!;

    /// <summary>The test images.</summary>
    public InMemoryDataset Test => Load().test!;

    /// <summary>
    /// The teachers the selected methods need: the ensemble (the CNN teacher trained with seeds 1 … <see cref="ZooOptions.TeacherCount"/>,
    /// each cached like lesson 02's, the first being lesson 02's when the settings match) when a multi-teacher method is among
    /// <see cref="ZooOptions.Methods"/>, otherwise the first alone: the other teachers cost minutes each and nothing else reads them.
    /// </summary>
    public IReadOnlyList<StoredTeacher> Teachers() => Teachers(Options.Methods.Any(k => DistillationMethods.Find(k) is MultiTeacherMethod) ? Options.TeacherCount : 1);

    private IReadOnlyList<StoredTeacher> Teachers(int count)
    {
        teachers ??= [];
        while (teachers.Count < count)
        {
            int k = teachers.Count;
            teachers.Add(TeacherStore.GetOrTrain("cnn-teacher", Options.TeacherTrainer(k), 0, TeacherTrain, Test, Progress, Log, $"teacher {k + 1} of {Options.TeacherCount}"));
        }
        return teachers.Take(count).ToList();
    }

    /// <summary>Each of <see cref="Teachers()"/>' logits on the transfer set, computed once (the inputs are fixed: no augmentation).</summary>
    public IReadOnlyList<TeacherLogitCache> TeacherLogits() => TeacherLogits(Teachers().Count);

    private IReadOnlyList<TeacherLogitCache> TeacherLogits(int count)
    {
        logitCaches ??= [];
        if (logitCaches.Count < count)
        {
            var clock = Stopwatch.StartNew();
            logitCaches.AddRange(Teachers(count).Skip(logitCaches.Count).Select(t => TeacherLogitCache.Build(t.Model, t.Id, Transfer, Predictor.DefaultBatchSize, Log)));
            teacherLogitSeconds += clock.Elapsed.TotalSeconds;
            Log($"teacher logits cached for {Transfer.Count:N0} transfer-set images × {logitCaches.Count} teacher(s) in {teacherLogitSeconds:0.0} s");
        }
        return logitCaches.Take(count).ToList();
    }

    // Kept beside the cached teachers, keyed by each teacher's run and the test images' pixels: scoring three teachers and
    // their ensemble is otherwise three passes over the test set on every run, more than a lesson's whole student costs.
    private IReadOnlyList<TeacherLogitCache> TeacherTestLogits()
    {
        var all = Teachers();
        testLogits ??= [];
        if (testLogits.Count < all.Count)
        {
            var store = RunStore.TeacherLogits;
            testLogits.AddRange(all.Skip(testLogits.Count).Select(t =>
                TeacherLogitCache.GetOrBuild(store, t.Key, t.Model, t.Id, Test, Predictor.DefaultBatchSize, line => Log($"test set: {line}"))));
        }
        return testLogits.Take(all.Count).ToList();
    }

    /// <summary>A fresh student with the initial weights every method of seed <paramref name="seed"/> starts from.</summary>
    public static nn.Module<Tensor, Tensor> NewStudent(int seed) => ModelCatalog.Create(StudentModel, seed + 1);

    /// <summary>Trains one student with the registered method <paramref name="key"/> (the zoo's settings: <see cref="ZooOptions.Method"/>) and seed <paramref name="seed"/>.</summary>
    public (ZooRow Row, nn.Module<Tensor, Tensor> Student, IReadOnlyList<TrainingHistory> Histories) TrainMethod(string key, int seed) =>
        TrainMethod(Options.Method(key), seed);

    /// <summary>Trains one student with <paramref name="method"/> and seed <paramref name="seed"/>; returns its row and the deployed student.</summary>
    public (ZooRow Row, nn.Module<Tensor, Tensor> Student, IReadOnlyList<TrainingHistory> Histories) TrainMethod(IDistillationMethod method, int seed)
    {
        if (method.Student != StudentKind.Network)
        {
            throw new ArgumentException($"Method '{method.Key}' trains a {method.Student} student; the zoo's student is the CNN.", nameof(method));
        }
        var histories = new List<TrainingHistory>();
        string note = "";
        // Teachers and their logits first, as Run does: training a teacher draws from torch's global generator, so
        // acquiring it lazily after a student's seeding would make that student depend on whether the cache was warm.
        var logits = TeacherLogits(method is MultiTeacherMethod ? Options.TeacherCount : 1);
        PeakMemory.Reset();
        trainedSinceReset = false;
        var context = new MethodContext
        {
            Seed = seed,
            TeacherLogits = logits,
            Teacher = Teachers(1)[0].Model,
            TeacherId = Teachers(1)[0].Id,
            // Peer 0 is NewStudent(seed); peers k ≥ 1 start from seeds no other run uses.
            StudentFactory = k => ModelCatalog.Create(StudentModel, seed + 1 + 1000 * k),
            InputShape = [1, 1, 28, 28],
        };
        var plan = method.Plan(context);
        TrainingHistory? previous = null;
        foreach (var stage in plan.Stages)
        {
            int stageEpochs = stage.Epochs switch
            {
                StageEpochs.StageOne => Options.StageOneEpochs,
                StageEpochs.Rest => Options.Training.Epochs - Options.StageOneEpochs,
                _ => Options.Training.Epochs,
            };
            previous = Fit(stage.Model, stage.Objective, stageEpochs, seed, $"{method.Key}-s{seed}-{stage.Name}",
                stage.Label is null ? method.Title : $"{method.Title}: {stage.Label}", after: previous);
            histories.Add(previous);
            foreach (var adapter in stage.Adapters)
            {
                adapter.Dispose();
            }
            (stage.Objective as IDisposable)?.Dispose();
        }
        if (plan.Peers.Count > 0)
        {
            var peers = plan.Peers.Select(s => Accuracy(s, Test)).ToList();
            note = $"peer students: {string.Join(", ", peers.Select(a => $"{100 * a:0.00} %"))}";
            foreach (var peer in plan.Peers)
            {
                peer.Dispose();
            }
        }
        var student = plan.Student;
        long extra = plan.TrainingOnlyParameters;
        // A run restored whole from its checkpoints trained nothing here, so its peak says nothing about the method.
        double? peakMb = trainedSinceReset ? PeakMemory.PeakBytes() / (1024.0 * 1024.0) : null;
        var epochs = histories.SelectMany(h => h.Epochs).ToList();
        double seconds = epochs.Sum(e => e.Seconds);
        var last = histories[^1].Last;
        var row = new ZooRow(method.Key, seed, epochs.Count, last.TestAccuracy, epochs.Where(e => !double.IsNaN(e.TestAccuracy)).Max(e => e.TestAccuracy),
            seconds, seconds / epochs.Count, peakMb, extra, note);
        Log($"{method.Title}, seed {seed}: {100 * row.TestAccuracy:0.00} % after {row.Epochs} epochs, {row.SecondsPerEpoch:0.0} s/epoch, " +
            (peakMb is { } mb ? $"peak RSS {mb:0} MB" : "restored from checkpoints (peak memory not measured)"));
        return (row, student, histories);
    }

    /// <summary>Test accuracy of the teachers' averaged probabilities (T = 1).</summary>
    public double EnsembleAccuracy()
    {
        using var scope = NewDisposeScope();
        return Score(MultiTeacherTargets.AverageProbabilities(TeacherTestLogits().Select(l => l.All).ToList(), 1.0), Test);
    }

    /// <summary>Each of <see cref="Teachers()"/>' test accuracy, from its logits on the test images (computed once, then cached with the teacher).</summary>
    public IReadOnlyList<double> TeacherAccuracies() =>
        [.. TeacherTestLogits().Select(l => Score(l.All, Test))];

    /// <summary>
    /// The attention map q = Σ_c A_c² / ‖·‖₂ (H × W) that attention transfer compares, of <paramref name="model"/> at
    /// <paramref name="layer"/> for test image <paramref name="index"/>, in eval mode.
    /// </summary>
    public Tensor AttentionMap(nn.Module<Tensor, Tensor> model, string layer, int index)
    {
        var features = model as IFeatureModel ?? throw new ArgumentException($"{model.GetType().Name} does not return feature maps.", nameof(model));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bool training = model.training;
        model.eval();
        var map = features.ForwardWithFeatures(Test.Features[TensorIndex.Slice(index, index + 1)])[layer];
        model.train(training);
        return AttentionTransferLoss.AttentionMap(map).reshape(map.shape[2], map.shape[3]).MoveToOuterDisposeScope();
    }

    /// <summary>Runs every method over every seed and writes results.json, results.md and report.html.</summary>
    public override ZooResult Run()
    {
        var clock = Stopwatch.StartNew();
        var teacherAccuracies = TeacherAccuracies();
        double ensembleAccuracy = EnsembleAccuracy();
        Log($"teachers: {string.Join(", ", teacherAccuracies.Select(a => $"{100 * a:0.00} %"))}; ensemble {100 * ensembleAccuracy:0.00} %");
        TeacherLogits();
        var rows = new List<ZooRow>();
        foreach (int seed in Lab.Seeds)
        {
            foreach (var method in Options.Methods)
            {
                var run = TrainMethod(method, seed);
                rows.Add(run.Row);
                run.Student.Dispose();
            }
        }
        using var probe = NewStudent(0);
        var result = new ZooResult(Options, RunEnvironment.Describe(Device), clock.Elapsed.TotalSeconds, Teachers().Select(t => t.Id).ToList(), teacherAccuracies,
            ensembleAccuracy, teacherLogitSeconds, ModelStats.ParameterCount(probe), PeakMemory.CanReset, rows);
        WriteResults(result, ZooReport.Markdown(result), ZooReport.Html(result));
        return result;
    }

    // A stage's run key carries its settings and, for a second stage, the SHA-256 of the weights the first stage left,
    // so a second stage is never resumed on top of a first stage trained differently.
    private TrainingHistory Fit(nn.Module<Tensor, Tensor> model, ITrainingObjective objective, int epochs, int seed, string key, string name, TrainingHistory? after = null)
    {
        var options = Options.Trainer(epochs, seed);
        var runKey = RunKey.Create("student", model.GetType().Name, Transfer.Fingerprint, options, objective.RunIdentity,
            new { Evaluation = Test.Fingerprint, StartWeights = after is null ? null : Checkpoint.WeightsSha256(model) });
        return new RunStore(Path.Combine(Lab.OutputDirectory, "checkpoints")).Run(runKey, key, dir =>
        {
            trainedSinceReset |= Checkpoint.ReadState(dir) is not { } state || state.Epoch < epochs;
            return new Trainer(options with { CheckpointDirectory = dir }, Progress).Fit(model, Transfer, Test, objective, $"{name}, seed {seed}");
        });
    }

    private static double Accuracy(nn.Module<Tensor, Tensor> model, InMemoryDataset data)
    {
        using var logits = Predictor.Logits(model, data);
        return Score(logits, data);
    }

    private static double Score(Tensor logits, InMemoryDataset data) =>
        ClassificationReport.From(Predictor.ArgMax(logits), data.LabelArray(), data.NumClasses).Accuracy;

    private ZooLab Load()
    {
        if (train is not null)
        {
            return this;
        }
        var data = Options.DatasetInfo();
        string dir = Lab.DataDirectory ?? data.DefaultDirectory;
        data.EnsurePresent(dir, Log);
        // The whole set moves to the device once; batches are then cut there.
        train = data.Load(DatasetSplit.Train, dir, Options.TrainLimit).MoveTo(Device.Device);
        test = data.Load(DatasetSplit.Test, dir, Options.TestLimit).MoveTo(Device.Device);
        teacherTrain = train.FirstOrAll(Options.TeacherImages);
        transfer = train.FirstOrAll(Options.TransferSize);
        Log($"data: {data.DisplayName}, {train.Count:N0} training images (teachers: the first {teacherTrain.Count:N0}; students: the first {transfer.Count:N0}) and {test.Count:N0} test images from {dir}");
        return this;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var cache in (logitCaches ?? []).Concat(testLogits ?? []))
        {
            cache.Dispose();
        }
        foreach (var t in teachers ?? [])
        {
            t.Model.Dispose();
        }
        if (teacherTrain != train)
        {
            teacherTrain?.Dispose();
        }
        if (transfer != train)
        {
            transfer?.Dispose();
        }
        train?.Dispose();
        test?.Dispose();
    }
}
