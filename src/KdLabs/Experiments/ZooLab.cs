using System.Diagnostics;
using System.Text.Json;
using KdLabs.Data;
using KdLabs.Evaluation;
using KdLabs.Infrastructure;
using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Experiments;

/// <summary>
/// Lesson 06's method zoo: one teacher (lesson 02's CNN), one student, MNIST, and one budget, with each
/// distillation method swapped in turn: KD, FitNets, attention transfer, FSP, two multi-teacher variants, deep
/// mutual learning and DKD, against the student on labels alone. Every method runs every seed, so the table can say
/// which beat plain KD here and which did not. The CLI (<c>kdlabs zoo mnist</c>) and lesson 06 both call this class.
/// </summary>
public sealed class ZooLab : LabBase<ZooOptions>, IDisposable
{
    private const string StudentModel = "cnn-student";
    private InMemoryDataset? train;
    private InMemoryDataset? test;
    private List<StoredTeacher>? teachers;
    private List<TeacherLogitCache>? logitCaches;
    private double teacherLogitSeconds;
    private bool trainedSinceReset;

    /// <summary>Creates the lab; nothing is loaded or trained until asked.</summary>
    public ZooLab(ZooOptions options, ITrainingProgress? progress = null, Action<string>? log = null)
        : base(options, progress, log)
    {
    }

    /// <summary>The training images.</summary>
    public InMemoryDataset Train => Load().train!;

    /// <summary>The test images.</summary>
    public InMemoryDataset Test => Load().test!;

    /// <summary>
    /// The ensemble: the CNN teacher trained with seeds 1 … <see cref="ZooOptions.TeacherCount"/>, each cached like lesson 02's
    /// (the first is lesson 02's teacher when the settings match). Single-teacher methods use the first.
    /// </summary>
    public IReadOnlyList<StoredTeacher> Teachers()
    {
        if (teachers is null)
        {
            teachers = [];
            for (int k = 0; k < Options.TeacherCount; k++)
            {
                teachers.Add(TeacherStore.GetOrTrain("cnn-teacher", Options.TeacherTrainer(k), 0, Train, Test, Progress, Log, $"teacher {k + 1} of {Options.TeacherCount}"));
            }
        }
        return teachers;
    }

    /// <summary>Each teacher's logits on the training set, computed once (the inputs are fixed: no augmentation).</summary>
    public IReadOnlyList<TeacherLogitCache> TeacherLogits()
    {
        if (logitCaches is null)
        {
            var clock = Stopwatch.StartNew();
            logitCaches = Teachers().Select(t => TeacherLogitCache.Build(t.Model, t.Id, Train, Predictor.DefaultBatchSize)).ToList();
            teacherLogitSeconds = clock.Elapsed.TotalSeconds;
            Log($"teacher logits cached for {Train.Count:N0} training images × {logitCaches.Count} teachers in {teacherLogitSeconds:0.0} s");
        }
        return logitCaches;
    }

    /// <summary>A fresh student with the initial weights every method of seed <paramref name="seed"/> starts from.</summary>
    public static nn.Module<Tensor, Tensor> NewStudent(int seed) => ModelCatalog.Create(StudentModel, seed + 1);

    /// <summary>Trains one student with <paramref name="method"/> and seed <paramref name="seed"/>; returns its row and the deployed student.</summary>
    public (ZooRow Row, nn.Module<Tensor, Tensor> Student, IReadOnlyList<TrainingHistory> Histories) TrainMethod(ZooMethod method, int seed)
    {
        var info = ZooMethodInfo.Of(method);
        var kd = new KdLoss(Options.Alpha, Options.Temperature);
        var histories = new List<TrainingHistory>();
        long extra = 0;
        string note = "";
        // Teachers and their logits first, as Run does: training a teacher draws from torch's global generator, so
        // acquiring it lazily after a student's seeding would make that student depend on whether the cache was warm.
        TeacherLogits();
        PeakMemory.Reset();
        trainedSinceReset = false;
        string Key(string stage) => $"{info.Key}-s{seed}-{stage}";
        nn.Module<Tensor, Tensor> student;
        switch (method)
        {
            case ZooMethod.NoKd:
                student = NewStudent(seed);
                histories.Add(Fit(student, new SupervisedObjective(), Options.Epochs, seed, Key("main"), info.Title));
                break;
            case ZooMethod.Kd:
                student = NewStudent(seed);
                histories.Add(Fit(student, new DistillationObjective(kd, TeacherLogits()[0]), Options.Epochs, seed, Key("main"), info.Title));
                break;
            case ZooMethod.FitNets:
            {
                student = NewStudent(seed);
                manual_seed(seed + 2);
                var regressor = new HintRegressor(Channels(student, "conv2"), Channels(Teachers()[0].Model, "conv2"));
                // Not disposed: disposing a module disposes its children, and the student lives on.
                var adapted = new AdaptedStudent(student, new Dictionary<string, nn.Module<Tensor, Tensor>> { [HintObjective.RegressorName] = regressor });
                extra = adapted.AdapterParameterCount;
                var stage1 = Fit(adapted, new HintObjective(FeatureTeacher(), "conv2", "conv2"),
                    Options.StageOneEpochs, seed, Key("hint"), $"{info.Title}: hint stage");
                histories.Add(stage1);
                regressor.Dispose();
                histories.Add(Fit(student, new DistillationObjective(kd, TeacherLogits()[0]), Options.Epochs - Options.StageOneEpochs, seed,
                    Key("kd"), $"{info.Title}: KD stage", after: stage1));
                break;
            }
            case ZooMethod.AttentionTransfer:
                student = NewStudent(seed);
                histories.Add(Fit(student, new AttentionTransferObjective(new AttentionTransferLoss(Options.AtBeta), FeatureTeacher(), ["conv1", "conv2"]),
                    Options.Epochs, seed, Key("main"), info.Title));
                break;
            case ZooMethod.Fsp:
            {
                student = NewStudent(seed);
                manual_seed(seed + 2);
                var adapters = new Dictionary<string, nn.Module<Tensor, Tensor>>();
                foreach (var layer in new[] { "conv1", "conv2" })
                {
                    adapters[FspObjective.ConnectorName(layer)] = nn.Conv2d(Channels(student, layer), Channels(Teachers()[0].Model, layer), 1);
                }
                var adapted = new AdaptedStudent(student, adapters);
                extra = adapted.AdapterParameterCount;
                var stage1 = Fit(adapted, new FspObjective(FeatureTeacher(), "conv1", "conv2"), Options.StageOneEpochs, seed, Key("fsp"), $"{info.Title}: FSP stage");
                histories.Add(stage1);
                foreach (var connector in adapters.Values)
                {
                    connector.Dispose();
                }
                histories.Add(Fit(student, new SupervisedObjective(), Options.Epochs - Options.StageOneEpochs, seed, Key("labels"), $"{info.Title}: label stage", after: stage1));
                break;
            }
            case ZooMethod.MultiTeacherAverage:
                student = NewStudent(seed);
                histories.Add(Fit(student, MultiTeacherObjective.Average(TeacherLogits(), kd), Options.Epochs, seed, Key("main"), info.Title));
                break;
            case ZooMethod.MultiTeacherRandom:
                student = NewStudent(seed);
                histories.Add(Fit(student, MultiTeacherObjective.RandomPerBatch(TeacherLogits(), kd, seed), Options.Epochs, seed, Key("main"), info.Title));
                break;
            case ZooMethod.MutualLearning:
            {
                // Student 0 starts from the seed's usual weights; its peers from seeds no other run uses.
                var students = Enumerable.Range(0, Options.CohortSize).Select(k => k == 0 ? NewStudent(seed) : ModelCatalog.Create(StudentModel, seed + 1 + 1000 * k)).ToList();
                var cohort = new MutualLearningCohort(students);
                histories.Add(Fit(cohort, new MutualLearningObjective(), Options.Epochs, seed, Key("main"), info.Title));
                extra = ModelStats.ParameterCount(cohort) - ModelStats.ParameterCount(students[0]);
                var peers = students.Skip(1).Select(s => Accuracy(s, Test)).ToList();
                note = $"peer students: {string.Join(", ", peers.Select(a => $"{100 * a:0.00} %"))}";
                foreach (var peer in students.Skip(1))
                {
                    peer.Dispose();
                }
                student = students[0];
                break;
            }
            case ZooMethod.Dkd:
                student = NewStudent(seed);
                histories.Add(Fit(student, new DkdObjective(new DkdLoss(Options.DkdAlpha, Options.DkdBeta, Options.DkdTemperature), TeacherLogits()[0], Options.DkdWarmupEpochs),
                    Options.Epochs, seed, Key("main"), info.Title));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, "Unknown method.");
        }
        // A run restored whole from its checkpoints trained nothing here, so its peak says nothing about the method.
        double? peakMb = trainedSinceReset ? PeakMemory.PeakBytes() / (1024.0 * 1024.0) : null;
        var epochs = histories.SelectMany(h => h.Epochs).ToList();
        double seconds = epochs.Sum(e => e.Seconds);
        var last = histories[^1].Last;
        var row = new ZooRow(info.Key, seed, epochs.Count, last.TestAccuracy, epochs.Where(e => !double.IsNaN(e.TestAccuracy)).Max(e => e.TestAccuracy),
            seconds, seconds / epochs.Count, peakMb, extra, note);
        Log($"{info.Title}, seed {seed}: {100 * row.TestAccuracy:0.00} % after {row.Epochs} epochs, {row.SecondsPerEpoch:0.0} s/epoch, " +
            (peakMb is { } mb ? $"peak RSS {mb:0} MB" : "restored from checkpoints (peak memory not measured)"));
        return (row, student, histories);
    }

    /// <summary>Test accuracy of the teachers' averaged probabilities (T = 1).</summary>
    public double EnsembleAccuracy()
    {
        using var scope = NewDisposeScope();
        var logits = Teachers().Select(t => Predictor.Logits(t.Model, Test)).ToList();
        var average = MultiTeacherTargets.AverageProbabilities(logits, 1.0);
        return ClassificationReport.From(Predictor.ArgMax(average), Test.LabelArray(), Test.NumClasses).Accuracy;
    }

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
    public ZooResult Run()
    {
        var clock = Stopwatch.StartNew();
        var teacherAccuracies = Teachers().Select(t => Accuracy(t.Model, Test)).ToList();
        Log($"teachers: {string.Join(", ", teacherAccuracies.Select(a => $"{100 * a:0.00} %"))}; ensemble {100 * EnsembleAccuracy():0.00} %");
        TeacherLogits();
        var rows = new List<ZooRow>();
        foreach (int seed in Options.Seeds)
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
            EnsembleAccuracy(), teacherLogitSeconds, ModelStats.ParameterCount(probe), PeakMemory.CanReset, rows);
        Directory.CreateDirectory(Options.OutputDirectory);
        AtomicFile.WriteAllText(Path.Combine(Options.OutputDirectory, "results.json"), JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true }));
        ZooReport.Write(result, Options.OutputDirectory);
        return result;
    }

    private FeatureTeacher FeatureTeacher() => new(Teachers()[0].Model, Teachers()[0].Id);

    // A stage's run key carries its settings and, for a second stage, the SHA-256 of the weights the first stage left,
    // so a second stage is never resumed on top of a first stage trained differently.
    private TrainingHistory Fit(nn.Module<Tensor, Tensor> model, ITrainingObjective objective, int epochs, int seed, string key, string name, TrainingHistory? after = null)
    {
        var options = Options.Trainer(epochs, seed);
        var runKey = RunKey.Create("student", model.GetType().Name, Train.Fingerprint, options, objective.RunIdentity,
            new { Evaluation = Test.Fingerprint, StartWeights = after is null ? null : Checkpoint.WeightsSha256(model) });
        return new RunStore(Path.Combine(Options.OutputDirectory, "checkpoints")).Run(runKey, key, dir =>
        {
            trainedSinceReset |= Checkpoint.ReadState(dir) is not { } state || state.Epoch < epochs;
            return new Trainer(options with { CheckpointDirectory = dir }, Progress).Fit(model, Train, Test, objective, $"{name}, seed {seed}");
        });
    }

    private static long Channels(nn.Module<Tensor, Tensor> model, string layer)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bool training = model.training;
        model.eval();
        var shape = ((IFeatureModel)model).ForwardWithFeatures(zeros(1, 1, 28, 28, device: ComputeDevice.Of(model)))[layer].shape;
        model.train(training);
        return shape[1];
    }

    private static double Accuracy(nn.Module<Tensor, Tensor> model, InMemoryDataset data)
    {
        using var logits = Predictor.Logits(model, data);
        return ClassificationReport.From(Predictor.ArgMax(logits), data.LabelArray(), data.NumClasses).Accuracy;
    }

    private ZooLab Load()
    {
        if (train is not null)
        {
            return this;
        }
        string dir = Options.DataDirectory ?? MnistFiles.DefaultDirectory;
        MnistFiles.EnsurePresent(dir, Log);
        // The whole set moves to the device once; batches are then cut there.
        train = MnistDataset.Load(train: true, dir, Options.TrainLimit).MoveTo(Device.Device);
        test = MnistDataset.Load(train: false, dir, Options.TestLimit).MoveTo(Device.Device);
        Log($"data: {train.Count:N0} training and {test.Count:N0} test images from {dir}");
        return this;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var cache in logitCaches ?? [])
        {
            cache.Dispose();
        }
        foreach (var t in teachers ?? [])
        {
            t.Model.Dispose();
        }
        train?.Dispose();
        test?.Dispose();
    }
}
