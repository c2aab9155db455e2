using System.Diagnostics;
using KdLabs.Data;
using KdLabs.Datasets;
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
/// Lesson 03: pneumonia on chest X-rays, a ResNet-18 teacher distilled into a ~100k-parameter CNN, as
/// in the classic walk-through (distillation weight 0.25, T = 1), beside the kit's general KD loss and
/// a higher temperature. Step by step: <see cref="LoadData"/> (real Kaggle folder or the synthetic
/// stand-in, decoded once and cached), <see cref="GetTeacher"/> (trained once, cached by a key of all
/// that shapes it), <see cref="TrainStudent"/> per variant and seed from identical initial weights,
/// <see cref="Evaluate"/>, and <see cref="Run"/> for all of it plus results.json and report.html.
/// </summary>
public sealed class ChestXrayLab : LabBase<ChestXrayOptions, ChestXrayResult>, IDisposable
{
    private ResNet18? teacher;
    private TeacherLogitCache? logitCache;

    /// <summary>Creates the lab; nothing is loaded or trained yet.</summary>
    public ChestXrayLab(ChestXrayOptions options, ITrainingProgress? progress = null, Action<string>? log = null)
        : base(options, progress, log)
    {
    }

    /// <summary>The image folder (after <see cref="LoadData"/>).</summary>
    public ImageFolderIndex Index { get; private set; } = null!;

    /// <summary>True when the data is the synthetic stand-in.</summary>
    public bool Synthetic { get; private set; }

    /// <summary>"SYNTHETIC STAND-IN" or the real set's name, for titles.</summary>
    public string DataLabel => Synthetic ? "SYNTHETIC STAND-IN (not medical data)" : "chest X-ray (Kermany et al. 2018)";

    /// <summary>Training images.</summary>
    public InMemoryDataset Train { get; private set; } = null!;

    /// <summary>Test images: the teacher's history is measured on them, whatever the students report on.</summary>
    public InMemoryDataset Test { get; private set; } = null!;

    /// <summary>
    /// The images the students are trained against and every row reports on: <see cref="Test"/>, or the folder's val split
    /// with <see cref="ChestXrayOptions.Validation"/> (the teacher is then the very one the test-set runs use).
    /// </summary>
    public InMemoryDataset Evaluation { get; private set; } = null!;

    /// <summary>"test" or "validation".</summary>
    public string EvaluationName => ChestXrayResult.NameOf(ChestXrayResult.EvaluationSplitOf(Options));

    /// <summary>How loading went.</summary>
    public ImageLoadTiming Loading { get; private set; } = null!;

    /// <summary>Index of PNEUMONIA (the positive class), or of the last class for other folders.</summary>
    public int PositiveClass => Index.ClassNames.ToList().IndexOf("PNEUMONIA") is var i and >= 0 ? i : Index.ClassNames.Count - 1;

    /// <summary>The trained teacher.</summary>
    public ResNet18 Teacher => teacher ?? throw new InvalidOperationException("Call GetTeacher() first.");

    /// <summary>SHA-256 of the teacher's checkpoint.</summary>
    public string TeacherId { get; private set; } = "";

    /// <summary>The teacher's training history.</summary>
    public TrainingHistory TeacherHistory { get; private set; } = null!;

    /// <summary>
    /// Finds the data (generating the synthetic stand-in when asked), reports counts and imbalance,
    /// and loads train and test through the decoded-image cache, timing a cache re-read after a decode.
    /// </summary>
    public void LoadData()
    {
        var dataset = Options.Dataset();
        // The stand-in goes to its own default folder; a data folder given with it is not overwritten.
        Index = dataset.Index(Options.Synthetic ? null : Lab.DataDirectory, Log);
        Synthetic = dataset.IsSynthetic(Index);
        Log(Index.Describe());
        if (!Synthetic)
        {
            foreach (var line in ChestXrayKaggle.CompareCounts(Index))
            {
                Log(line);
            }
        }
        var loadOptions = dataset.Loading;
        var train = dataset.LoadSplit(Index, DatasetSplit.Train, Log);
        var test = dataset.LoadSplit(Index, DatasetSplit.Test, Log);
        if (Options.Validation)
        {
            Index.RequireEveryClassIn("val");
        }
        var val = Options.Validation ? dataset.LoadSplit(Index, DatasetSplit.Validation, Log) : null;
        foreach (var skipped in train.Skipped.Concat(test.Skipped).Concat(val?.Skipped ?? []))
        {
            Log($"skipped (cannot decode): {skipped.Path}: {skipped.Reason}");
        }
        double cacheRead = double.NaN;
        if (!train.FromCache && loadOptions.UseCache)
        {
            var clock = Stopwatch.StartNew();
            foreach (var path in new[] { train.CachePath, test.CachePath })
            {
                var images = DecodedImageCache.TryRead(path);
                if (images is not null)
                {
                    ImageFolderDataset.ToDataset(images, loadOptions, "timing", Index.ClassNames).Dispose();
                }
            }
            cacheRead = clock.Elapsed.TotalSeconds;
        }
        Loading = new ImageLoadTiming(train.Seconds + test.Seconds, train.FromCache && test.FromCache, cacheRead, train.Skipped.Count + test.Skipped.Count);
        Log(Loading.FromCache
            ? $"images: {Options.ImageSize}px from the decoded-image cache in {Loading.LoadSeconds:0.00} s"
            : $"images: decoded and resized to {Options.ImageSize}px in {Loading.LoadSeconds:0.00} s; reading them back from the cache takes {cacheRead:0.00} s ({Loading.CacheSpeedup:0}× faster)");
        // Decoded on the CPU, then each set moves to the device once.
        Train = Limit(train.Data, Options.TrainLimit).MoveTo(Device.Device);
        Test = Limit(test.Data, Options.TestLimit).MoveTo(Device.Device);
        Evaluation = val is null ? Test : Limit(val.Data, Options.TestLimit).MoveTo(Device.Device);
        Log($"using {Train.Count:N0} training and {Test.Count:N0} test images{(val is null ? "" : $" (students reported on {Evaluation.Count:N0} val images)")} of {Options.ImageSize}×{Options.ImageSize}, 3 channels (grey repeated, ImageNet mean/std)");
    }

    /// <summary>
    /// The ResNet-18 teacher with a 2-class head: loaded from its cache when one matches (weights
    /// verified by SHA-256), otherwise trained (optionally from <see cref="ChestXrayOptions.WeightsPath"/>,
    /// optionally with the backbone frozen) and cached.
    /// </summary>
    public ResNet18 GetTeacher()
    {
        EnsureData();
        // Under the store's lock: another process (a notebook, a parallel test) may be training the same teacher.
        var (model, state) = RunStore.Teachers.Run(TeacherKey(), "resnet18-xray", dir => LoadOrTrainTeacher(dir));
        teacher = model;
        TeacherId = state.ModelSha256;
        model.eval();
        return model;
    }

    private (ResNet18 Model, CheckpointState State) LoadOrTrainTeacher(string dir)
    {
        var model = NewTeacher();
        var generation = Checkpoint.Find(dir);
        var state = generation?.State;
        if (generation is not null && state!.Epoch == Options.Teacher.Epochs)
        {
            // Checkpoints are device-independent: load onto the CPU, then follow the data to its device.
            generation.Load(model);
            model.to(Train.Device);
            TeacherHistory = new TrainingHistory("teacher (ResNet-18)", state.History);
            Log($"teacher: reusing {Checkpoint.Describe(generation, Options.Teacher.Epochs)}");
        }
        else
        {
            string start = Options.Pretrained == ChestXrayTeacherStart.ImageNet ? $"from ImageNet weights ({ImageNetResNet.Onnx.Describe()}, stage depths {string.Join("-", ImageNetResNet.StageBlocks)})"
                : Options.WeightsPath is null ? "from scratch" : $"from {Options.WeightsPath}";
            Log($"teacher: training ResNet-18 ({(Options.FreezeBackbone ? "backbone frozen, fc only" : "all layers")}, {start})");
            TeacherHistory = new Trainer(Options.TeacherTrainer(dir), Progress, Log).Fit(model, Train, Test, new SupervisedObjective(), "teacher (ResNet-18)");
            state = Checkpoint.ReadState(dir)!;
        }
        return (model, state);
    }

    /// <summary>A fresh student; every variant of one seed starts from the same weights.</summary>
    public ChestXrayStudent NewStudent(int seed)
    {
        manual_seed(seed * 7919L + 17);
        return new ChestXrayStudent(Options.ImageSize);
    }

    /// <summary>Trains one student variant with one seed (resuming its checkpoint when present).</summary>
    public (ChestXrayStudent Model, TrainingHistory History) TrainStudent(StudentVariant variant, int seed)
    {
        EnsureData();
        ITrainingObjective objective = variant.Loss is { } loss
            ? DistillationMethods.Kd.With(new() { Alpha = loss.Alpha, Temperature = loss.Temperature }).Objective(TeacherSignal())
            : new SupervisedObjective();
        var student = NewStudent(seed);
        // The seed sets the initial weights (NewStudent) and the data order; a distilled student's parent is the teacher.
        var key = RunKey.Create("student", "chest-xray-student", Train.Fingerprint, Options.StudentTrainer(seed, null), objective.RunIdentity,
            new { Options.ImageSize, InitialSeed = seed, Evaluation = Evaluation.Fingerprint }, variant.Loss is null ? null : TeacherKey());
        var history = new RunStore(Path.Combine(Lab.OutputDirectory, "checkpoints")).Run(key, $"{variant.Slug}-seed{seed}",
            dir => new Trainer(Options.StudentTrainer(seed, dir), Progress).Fit(student, Train, Evaluation, objective, $"{variant.Name} seed {seed}"));
        return (student, history);
    }

    /// <summary>The teacher's logits on the training set, computed once (eval mode) and looked up by sample index.</summary>
    public ITeacherSignal TeacherSignal()
    {
        if (teacher is null)
        {
            GetTeacher();
        }
        return logitCache ??= TeacherLogitCache.Build(Teacher, TeacherId, Train, 64, Log);
    }

    /// <summary>What the teacher's soft targets hold at each temperature (see <see cref="SoftTargetRow"/>).</summary>
    public IReadOnlyList<SoftTargetRow> DescribeSoftTargets()
    {
        var logits = ((TeacherLogitCache)TeacherSignal()).All;
        return Options.SoftTargetTemperatures.Select(t =>
        {
            using var scope = NewDisposeScope();
            var p = SoftTargets.Probabilities(logits.to_type(ScalarType.Float64), t);
            double other = (1 - p.max(1).values).mean().item<double>();
            double entropy = -(p * p.clamp_min(1e-300).log2()).sum(1).mean().item<double>();
            return new SoftTargetRow(t, other, entropy);
        }).ToList();
    }

    /// <summary>Evaluates a model on <see cref="Evaluation"/> (the test or the validation split) after its last epoch.</summary>
    public ChestXrayModelResult Evaluate(string name, string variant, int seed, nn.Module<Tensor, Tensor> model, TrainingHistory history, double latencyMs, double teacherLatencyMs)
    {
        using var logits = Predictor.Logits(model, Evaluation, 64);
        var labels = Evaluation.LabelArray();
        var report = ClassificationReport.From(Predictor.ArgMax(logits), labels, Evaluation.NumClasses);
        var scores = BinaryMetrics.PositiveScores(logits, PositiveClass);
        var binary = BinaryMetrics.From(scores, labels, PositiveClass);
        var (fpr, tpr) = BinaryMetrics.RocCurve(scores, labels.Select(l => l == PositiveClass).ToArray());
        var best = history.Best;
        return new ChestXrayModelResult(name, variant, seed, ModelStats.ParameterCount(model), ModelStats.SizeOnDiskBytes(model),
            report.Accuracy, binary.Sensitivity, binary.Specificity, binary.RocAuc, report.Confusion, best.TestAccuracy, best.Epoch,
            latencyMs, teacherLatencyMs / latencyMs, history.TotalSeconds, fpr, tpr);
    }

    /// <summary>
    /// The teacher's row (see <see cref="Evaluate"/>). Its history was measured on <see cref="Test"/>, the one teacher both
    /// kinds of run share: in a validation run its best epoch is a test-set figure, so it is left out (null, NaN).
    /// </summary>
    public ChestXrayModelResult EvaluateTeacher(double latencyMs)
    {
        var row = Evaluate("teacher (ResNet-18)", "teacher", Lab.FirstSeed, Teacher, TeacherHistory, latencyMs, latencyMs);
        return ReferenceEquals(Evaluation, Test) ? row : row with { BestEpoch = null, BestEpochTestAccuracy = double.NaN };
    }

    /// <summary>Median ms per image on the lab's device at batch 1 of teacher and student, at the run's size and (optionally) 224 px.</summary>
    public LatencyComparison MeasureLatency()
    {
        int n = Options.ImageSize, repeats = Options.LatencyRepeats, warmup = Math.Min(5, repeats);
        using var student = new ChestXrayStudent(n);
        student.to(Device.Device);
        double t = LatencyBenchmark.MedianMsPerImage(Teacher, [3, n, n], 1, repeats, warmup);
        double s = LatencyBenchmark.MedianMsPerImage(student, [3, n, n], 1, repeats, warmup);
        double t224 = double.NaN, s224 = double.NaN;
        if (Options.LatencyAt224)
        {
            using var student224 = new ChestXrayStudent(224);
            student224.to(Device.Device);
            t224 = LatencyBenchmark.MedianMsPerImage(Teacher, [3, 224, 224], 1, repeats, warmup);
            s224 = LatencyBenchmark.MedianMsPerImage(student224, [3, 224, 224], 1, repeats, warmup);
        }
        return new LatencyComparison(n, t, s, t224, s224, LatencyComparison.DeviceLabel(Device));
    }

    /// <summary>Runs everything and writes results.json, results.md and report.html into the output folder.</summary>
    public override ChestXrayResult Run()
    {
        var clock = Stopwatch.StartNew();
        LoadData();
        GetTeacher();
        var latency = MeasureLatency();
        Log($"latency (batch 1, median): teacher {latency.TeacherMs:0.00} ms, student {latency.StudentMs:0.000} ms at {latency.ImageSize}px ({latency.Speedup:0}×)"
            + (Options.LatencyAt224 ? $"; at 224px {latency.TeacherMs224:0.0} ms vs {latency.StudentMs224:0.00} ms ({latency.Speedup224:0}×)" : ""));
        var rows = new List<ChestXrayModelResult> { EvaluateTeacher(latency.TeacherMs) };
        var histories = new List<TrainingHistory> { TeacherHistory };
        foreach (int seed in Lab.Seeds)
        {
            foreach (var variant in Options.Variants())
            {
                var (model, history) = TrainStudent(variant, seed);
                rows.Add(Evaluate(variant.Name, variant.Name, seed, model, history, latency.StudentMs, latency.TeacherMs));
                if (seed == Lab.FirstSeed)
                {
                    histories.Add(history);
                }
                model.Dispose();
            }
        }
        var result = new ChestXrayResult(Options, Synthetic, Index.Root, Index.Describe(), RunEnvironment.Describe(Device), clock.Elapsed.TotalSeconds, TeacherId,
            rows, Summarize(rows), DescribeSoftTargets(), histories, latency, Loading);
        WriteResults(ChestXrayReport.Json(result), ChestXrayReport.Markdown(result), ChestXrayReport.Html(result));
        return result with { WallSeconds = clock.Elapsed.TotalSeconds };
    }

    /// <summary>Mean ± std over seeds per student variant, and the per-seed (paired) gain over the no-KD student.</summary>
    public IReadOnlyList<ChestXraySeedSummary> Summarize(IReadOnlyList<ChestXrayModelResult> rows)
    {
        var baseline = rows.Where(r => r.Variant == StudentVariant.NoDistillation.Name).ToDictionary(r => r.Seed);
        return Options.Variants().Select(v =>
        {
            var runs = rows.Where(r => r.Variant == v.Name).OrderBy(r => r.Seed).ToList();
            var accGain = runs.Where(r => baseline.ContainsKey(r.Seed)).Select(r => r.TestAccuracy - baseline[r.Seed].TestAccuracy).ToList();
            var aucGain = runs.Where(r => baseline.ContainsKey(r.Seed)).Select(r => r.RocAuc - baseline[r.Seed].RocAuc).ToList();
            return new ChestXraySeedSummary(v.Name, runs.Count,
                Mean(runs.Select(r => r.TestAccuracy)), Std(runs.Select(r => r.TestAccuracy)),
                Mean(runs.Select(r => r.Sensitivity)), Mean(runs.Select(r => r.Specificity)),
                Mean(runs.Select(r => r.RocAuc)), Std(runs.Select(r => r.RocAuc)),
                Mean(accGain), Std(accGain), Mean(aucGain), Std(aucGain));
        }).ToList();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        logitCache?.Dispose();
        teacher?.Dispose();
        Train?.Dispose();
        if (!ReferenceEquals(Evaluation, Test))
        {
            Evaluation?.Dispose();
        }
        Test?.Dispose();
    }

    private ResNet18 NewTeacher()
    {
        manual_seed(Lab.FirstSeed);
        var model = new ResNet18(1000, "teacher", Options.Pretrained == ChestXrayTeacherStart.ImageNet ? ImageNetResNet.StageBlocks : null);
        if (Options.TeacherWeightsFile(Log) is { } weights)
        {
            var loaded = PretrainedWeights.LoadInto(model, weights, excludePrefixes: ["fc."]);
            FiniteWeights.Require(model, weights, "Download the weights file again, or train the teacher from scratch (no weights file).");
            Log($"teacher: loaded {loaded.Loaded} tensors from {weights} ({(loaded.Excluded.Count == 0 ? "the file has no head" : $"head excluded: {string.Join(", ", loaded.Excluded)}")})");
        }
        model.ReplaceHead(Index.ClassNames.Count);
        if (Options.FreezeBackbone)
        {
            model.FreezeBackbone();
        }
        return model;
    }

    private void EnsureData()
    {
        if (Train is null)
        {
            LoadData();
        }
    }

    /// <summary>The teacher's run key for the loaded data (see <see cref="TeacherKeyFor"/>).</summary>
    public RunKey TeacherKey()
    {
        EnsureData();
        return TeacherKeyFor(Options, Train, Test);
    }

    /// <summary>
    /// The run key of the teacher trained with <paramref name="options"/> on <paramref name="train"/>: the training images'
    /// pixels, the trainer settings, the starting weights (their SHA-256, or from scratch with the first seed), whether the
    /// backbone is frozen, the set its history was measured on, the device.
    /// </summary>
    public static RunKey TeacherKeyFor(ChestXrayOptions options, InMemoryDataset train, InMemoryDataset test)
    {
        // The file's hash also tells the ImageNet network's deeper last stage from torchvision's.
        string weights = options.TeacherWeightsFile() is { } file ? FileHash.Sha256(file) : "scratch";
        return RunKey.Create("teacher", "resnet18", train.Fingerprint, options.TeacherTrainer(null), new SupervisedObjective().RunIdentity, new
        {
            InitialWeights = weights, InitialSeed = options.Lab.FirstSeed, options.FreezeBackbone, Classes = train.NumClasses,
            Evaluation = test.Fingerprint, Device = train.Device.type.ToString(),
        });
    }

    // Files are sorted by class folder, so "the first N" would be one class: take a seeded sample, kept in file order.
    private static InMemoryDataset Limit(InMemoryDataset data, int? limit)
    {
        if (limit is not { } n || n >= data.Count)
        {
            return data;
        }
        var rng = new Random(20180222);
        var indices = Enumerable.Range(0, data.Count).Select(i => (long)i).ToArray();
        rng.Shuffle(indices);
        var subset = data.Subset($"{data.Name}[sample {n}]", indices.Take(n).Order().ToArray());
        data.Dispose();
        return subset;
    }

    private static double Mean(IEnumerable<double> values)
    {
        var list = values.ToList();
        return list.Count == 0 ? double.NaN : list.Average();
    }

    private static double Std(IEnumerable<double> values)
    {
        var list = values.ToList();
        if (list.Count < 2)
        {
            return double.NaN;
        }
        double mean = list.Average();
        return Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Count - 1));
    }
}
