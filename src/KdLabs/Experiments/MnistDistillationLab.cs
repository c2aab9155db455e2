using System.Diagnostics;
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
/// The MNIST distillation lab, step by step: load data, get a teacher (trained once and cached by a
/// key of everything that shapes it), train a student without and with distillation from the same
/// initial weights, and compare. The CLI's <c>distill mnist</c> and the notebooks both call this;
/// <c>distill fashion-mnist</c> runs it on Fashion-MNIST (<see cref="MnistDistillationOptions.Dataset"/>).
/// </summary>
public sealed class MnistDistillationLab : LabBase<MnistDistillationOptions, MnistDistillationResult>, IDisposable
{
    private TeacherLogitCache? logitCache;
    private nn.Module<Tensor, Tensor>? teacher;

    /// <summary>Creates the lab; nothing is loaded or trained yet.</summary>
    public MnistDistillationLab(MnistDistillationOptions options, ITrainingProgress? progress = null, Action<string>? log = null)
        : this(options, progress, log, null)
    {
    }

    /// <summary>Creates the lab on a device another lab has already resolved and announced.</summary>
    internal MnistDistillationLab(MnistDistillationOptions options, ITrainingProgress? progress, Action<string>? log, ComputeDevice? device)
        : base(options, progress, log, device)
    {
        DatasetInfo = Options.DatasetInfo();
    }

    /// <summary>The data set the lab runs on: its name, input shape, classes and loader.</summary>
    public IImageClassificationDataset DatasetInfo { get; }

    /// <summary>Training images (after <see cref="LoadData"/>).</summary>
    public InMemoryDataset Train { get; private set; } = null!;

    /// <summary>The teacher's training images: the first <see cref="MnistDistillationOptions.TeacherImages"/> of <see cref="Train"/>, or all.</summary>
    public InMemoryDataset TeacherTrain { get; private set; } = null!;

    /// <summary>Test images (after <see cref="LoadData"/>).</summary>
    public InMemoryDataset Test { get; private set; } = null!;

    /// <summary>The images every accuracy is reported on: <see cref="Test"/>, or the held-out validation images when <see cref="MnistDistillationOptions.Validation"/> &gt; 0.</summary>
    public InMemoryDataset Evaluation { get; private set; } = null!;

    /// <summary>"test" or "validation".</summary>
    public string EvaluationName => Options.Validation > 0 ? "validation" : "test";

    /// <summary>
    /// How many of the evaluation images the teacher trains on (after <see cref="LoadData"/>): the validation images are the
    /// last <see cref="MnistDistillationOptions.Validation"/> training images and the teacher's the first ones, so they overlap
    /// when the teacher takes more than the rest. Always 0 on the test set.
    /// </summary>
    public int TeacherEvaluationOverlap => Options.Validation > 0 ? ValidationSplit.Overlap(TeacherTrain.Count, Train.Count - Options.Validation, Options.Validation) : 0;

    /// <summary>True when the teacher's accuracy and the students' agreement with it are measured partly on the teacher's own training images.</summary>
    public bool TeacherSawEvaluationImages => TeacherEvaluationOverlap > 0;

    /// <summary>The students' training set: the first <see cref="MnistDistillationOptions.TransferSize"/> training images, without the omitted class.</summary>
    public InMemoryDataset Transfer { get; private set; } = null!;

    /// <summary>Held-out training images for fitting the omitted class's logit bias (only with <see cref="MnistDistillationOptions.OmitClass"/>).</summary>
    public InMemoryDataset? BiasFit { get; private set; }

    /// <summary>The trained teacher (after <see cref="GetTeacher"/>).</summary>
    public nn.Module<Tensor, Tensor> Teacher => teacher ?? throw new InvalidOperationException("Call GetTeacher() first.");

    /// <summary>SHA-256 of the teacher's saved weights: identifies it in caches and reports.</summary>
    public string TeacherId { get; private set; } = "";

    /// <summary>The teacher's run key (after <see cref="GetTeacher"/>): the parent of the distilled students' keys.</summary>
    public RunKey? TeacherKey { get; private set; }

    /// <summary>The teacher's training history.</summary>
    public TrainingHistory TeacherHistory { get; private set; } = null!;

    /// <summary>Fetches the data set (MNIST by default) when missing and loads both splits.</summary>
    public void LoadData()
    {
        string dir = Lab.DataDirectory ?? DatasetInfo.DefaultDirectory;
        DatasetInfo.EnsurePresent(dir, Log);
        // The whole set moves to the device once; batches and subsets are then cut there.
        Train = DatasetInfo.Load(DatasetSplit.Train, dir, Options.TrainLimit).MoveTo(Device.Device);
        Test = DatasetInfo.Load(DatasetSplit.Test, dir, Options.TestLimit).MoveTo(Device.Device);
        int pool = Train.Count;
        if (Options.Validation > 0)
        {
            if (Options.Validation >= Train.Count)
            {
                // The user's setting, known to be out of range only once the data set's size is: marked as validation is.
                throw OptionsValidation.Mark(new ArgumentOutOfRangeException(nameof(Options.Validation), Options.Validation, $"Validation {Options.Validation:N0} leaves no training images out of {Train.Count:N0}; use fewer."));
            }
            // The students never see the validation images; the teacher is the very one the test-set runs use.
            pool = Train.Count - Options.Validation;
            Evaluation = ValidationSplit.Last(Train, Options.Validation);
        }
        else
        {
            Evaluation = Test;
        }
        Transfer = BuildTransferSet(pool);
        TeacherTrain = Train.FirstOrAll(Options.TeacherImages);
        Log($"data: {DatasetInfo.DisplayName}, {Train.Count:N0} training images (students: {Transfer.Count:N0}), {Evaluation.Count:N0} {EvaluationName} images from {dir}");
        if (TeacherSawEvaluationImages)
        {
            // Which images the teacher trains on stays as it is (settings were chosen on validation with this teacher); the run says so instead.
            Log($"warning: the teacher trains on the first {TeacherTrain.Count:N0} training images, which include {TeacherEvaluationOverlap:N0} of the {Options.Validation:N0} validation images "
                + $"(the last {Options.Validation:N0} of {Train.Count:N0}): its accuracy and every student's agreement with it are measured partly on its own training images, and the report marks them. "
                + $"To keep the teacher off them, set TeacherImages to N ≤ {Train.Count - Options.Validation:N0}.");
        }
    }

    private InMemoryDataset BuildTransferSet(int pool)
    {
        if (Options.OmitClass is not null)
        {
            // The bias is fitted on images the students never train on: the last ones before any validation images.
            if (Options.BiasFitSize >= pool)
            {
                throw new ArgumentOutOfRangeException(nameof(Options.BiasFitSize), Options.BiasFitSize, $"{Options.BiasFitSize:N0} held-out images for the bias fit leave none of {pool:N0} for the transfer set.");
            }
            BiasFit = Train.Subset($"{Train.Name}[{pool - Options.BiasFitSize}:{pool}]", Range(pool - Options.BiasFitSize, pool));
            pool -= Options.BiasFitSize;
        }
        int n = Math.Min(Options.TransferSize ?? pool, pool);
        if (n == Train.Count && Options.OmitClass is null)
        {
            return Train;
        }
        var labels = Train.LabelArray();
        var indices = Range(0, n).Where(i => Options.OmitClass is not { } c || labels[i] != c).ToArray();
        string name = $"{Train.Name}[:{n}]" + (Options.OmitClass is { } o ? $"-without-{o}" : "");
        return Train.Subset(name, indices);
    }

    private static long[] Range(int from, int to) => Enumerable.Range(from, to - from).Select(i => (long)i).ToArray();

    /// <summary>
    /// Loads the cached teacher whose key matches these settings and whose weights match their recorded
    /// SHA-256, or trains it (resuming an interrupted teacher run) and caches it.
    /// </summary>
    public nn.Module<Tensor, Tensor> GetTeacher()
    {
        EnsureData();
        var stored = TeacherStore.GetOrTrain(Options.ModelNames().Teacher, Options.TeacherTrainer(), Options.MlpDropout, TeacherTrain, Test, Progress, Log,
            inputDropout: Options.InputDropout);
        TeacherHistory = stored.History;
        TeacherId = stored.Id;
        TeacherKey = stored.Key;
        teacher = stored.Model;
        return teacher;
    }

    /// <summary>A fresh student with the initial weights every student of this lab starts from.</summary>
    public nn.Module<Tensor, Tensor> NewStudent(int? seed = null) =>
        ModelCatalog.Create(Options.ModelNames().Student, (seed ?? Lab.FirstSeed) + 1, Options.StudentDropout, DatasetInfo.InputShape, DatasetInfo.ClassNames.Count, Options.StudentInputDropout);

    /// <summary>Trains a student on hard labels only.</summary>
    public (nn.Module<Tensor, Tensor> Model, TrainingHistory History) TrainBaseline(string name = "student (no KD)", int? seed = null) =>
        TrainStudent(new SupervisedObjective(), name, seed);

    /// <summary>Trains a student with Hinton KD at (α, T), defaulting to the lab's options.</summary>
    public (nn.Module<Tensor, Tensor> Model, TrainingHistory History) TrainDistilled(double? alpha = null, double? temperature = null, string? name = null, int? seed = null)
    {
        double a = alpha ?? Options.Kd.Alpha, t = temperature ?? Options.Kd.Temperature;
        return TrainStudent(Kd(a, t), name ?? KdName(a, t), seed);
    }

    private ITrainingObjective Kd(double alpha, double temperature) =>
        DistillationMethods.GetLogit("kd").WithSoftTargets(alpha, temperature).Objective(TeacherSignal());

    private static string KdName(double alpha, double temperature) => $"student (KD α={alpha:0.##}, T={temperature:0.##})";

    /// <summary>
    /// Trains a student with a logit method, the kit's or one written in a cell (<see cref="LearnerLogitMethod"/>), from the
    /// teacher signal the KD student uses, with the same initial weights and data order as <see cref="TrainDistilled"/>.
    /// </summary>
    public (nn.Module<Tensor, Tensor> Model, TrainingHistory History) TrainMethod(ILogitMethod method, string? name = null, int? seed = null) =>
        TrainStudent(method.Objective(TeacherSignal()), name ?? $"student ({method.Title})", seed);

    /// <summary>
    /// Trains a fresh student against any objective, checkpointing under the output folder. The student
    /// seed (default: the lab's) sets its initial weights, data order and dropout; the teacher stays fixed.
    /// </summary>
    public (nn.Module<Tensor, Tensor> Model, TrainingHistory History) TrainStudent(ITrainingObjective objective, string name, int? seed = null) =>
        TrainStudent(objective, name, seed, lastEpochOnly: false);

    /// <summary>
    /// <see cref="TrainDistilled"/> scored on the evaluation set after its last epoch only, for a sweep that reports
    /// nothing else: evaluation reads no random numbers and changes no weight, so the student and its last score are the
    /// same, a 5,000-image pass per epoch sooner.
    /// </summary>
    internal (nn.Module<Tensor, Tensor> Model, TrainingHistory History) TrainDistilledScoredOnce(double alpha, double temperature) =>
        TrainStudent(Kd(alpha, temperature), KdName(alpha, temperature), null, lastEpochOnly: true);

    private (nn.Module<Tensor, Tensor> Model, TrainingHistory History) TrainStudent(ITrainingObjective objective, string name, int? seed, bool lastEpochOnly)
    {
        EnsureData();
        var student = NewStudent(seed);
        // The run key's hash is in the folder name, so a re-run with other settings starts fresh instead of refusing the old checkpoint.
        var trainerOptions = Options.StudentTrainer(seed ?? Lab.FirstSeed);
        if (lastEpochOnly)
        {
            trainerOptions = trainerOptions with { EvaluateEvery = trainerOptions.Epochs };
        }
        // Input dropout is named only when used, so students trained before it existed keep their keys.
        object context = Options.StudentInputDropout > 0
            ? new { MlpDropout = Options.StudentDropout, InputDropout = Options.StudentInputDropout, Evaluation = Evaluation.Fingerprint }
            : new { MlpDropout = Options.StudentDropout, Evaluation = Evaluation.Fingerprint };
        var key = RunKey.Create("student", Options.ModelNames().Student, Transfer.Fingerprint, trainerOptions, objective.RunIdentity,
            context, objective is SupervisedObjective ? null : TeacherKey);
        var store = new RunStore(Path.Combine(Lab.OutputDirectory, "checkpoints"));
        var history = store.Run(key, name, dir => new Trainer(trainerOptions with { CheckpointDirectory = dir }, Progress).Fit(student, Transfer, Evaluation, objective, name));
        return (student, history);
    }

    /// <summary>
    /// Teacher logits for the student runs: cached once for the training set when inputs are not
    /// augmented, otherwise computed live on each augmented batch.
    /// </summary>
    public ITeacherSignal TeacherSignal()
    {
        if (teacher is null)
        {
            GetTeacher();
        }
        if (Options.StudentJitter > 0)
        {
            Log("teacher logits: computed on each batch (augmentation on, so a cache would not match the inputs)");
            return new LiveTeacher(Teacher, TeacherId);
        }
        return logitCache ??= TeacherLogitCache.Build(Teacher, TeacherId, Transfer, 1000, Log);
    }

    /// <summary>Evaluates a model on the evaluation set (test, or validation) and measures its size and latency.</summary>
    public (ModelResult Row, ClassificationReport Report, long[] Predictions) Evaluate(string name, nn.Module<Tensor, Tensor> model, TrainingHistory history,
        long[]? teacherPredictions = null, double? teacherLatency = null)
    {
        using var logits = Predictor.Logits(model, Evaluation);
        var predictions = Predictor.ArgMax(logits);
        var report = ClassificationReport.From(predictions, Evaluation.LabelArray(), Evaluation.NumClasses);
        long[] shape = DatasetInfo.InputShape.ToArray();
        double b1 = LatencyBenchmark.MedianMsPerImage(model, shape, 1, Options.LatencyRepeats);
        double b256 = LatencyBenchmark.MedianMsPerImage(model, shape, 256, Math.Max(3, Options.LatencyRepeats / 3));
        var best = history.Best;
        var row = new ModelResult(name, ModelStats.ParameterCount(model), ModelStats.SizeOnDiskBytes(model), report.Accuracy, report.Errors,
            best.TestAccuracy, best.Epoch,
            teacherPredictions is null ? 1.0 : ClassificationReport.Agreement(predictions, teacherPredictions),
            b1, b256, (teacherLatency ?? b1) / b1, history.TotalSeconds);
        return (row, report, predictions);
    }

    /// <summary>
    /// What the widely shared PyTorch example's <c>kl_div(log_softmax(s/T), log_softmax(t/T))</c> without <c>log_target</c> does
    /// (<see cref="LogTargetMistake"/>): the soft term on the first transfer batch for a fresh student, correct and mistaken; a student
    /// trained with the mistake as this libtorch computes it (or where its training stops); and one trained with the older
    /// libtorch rule, to set beside <see cref="TrainBaseline"/> and <see cref="TrainDistilled"/> of the same seed.
    /// </summary>
    public LogTargetMistakeResult LogTargetMistakeDemo(int? seed = null)
    {
        var signal = TeacherSignal();
        double t = Options.Kd.Temperature;
        double correct, asWritten, older;
        using (var scope = NewDisposeScope())
        using (var fresh = NewStudent(seed))
        using (no_grad())
        {
            var batch = BatchLoader.Batches(Transfer, Options.Training.BatchSize, shuffle: false, seed: 0, epoch: 0).First();
            fresh.eval();
            var s = fresh.forward(batch.Inputs);
            var teacherLogits = signal.LogitsFor(batch);
            correct = (KlDivergence.FromLogits(teacherLogits, s, t) * (t * t)).item<float>();
            asWritten = LogTargetMistake.AsWritten(teacherLogits, s, t).item<float>();
            older = LogTargetMistake.AsOlderLibtorchComputedIt(teacherLogits, s, t).item<float>();
        }
        string asWrittenOutcome;
        ModelResult? asWrittenRow = null;
        try
        {
            var run = TrainStudent(new LogTargetMistakeObjective(Options.Kd.Alpha, t, signal, olderLibtorch: false), "student (log_target mistake)", seed);
            asWrittenRow = Evaluate(run.History.RunName, run.Model, run.History).Row;
            run.Model.Dispose();
            asWrittenOutcome = "trained to the end";
        }
        catch (TrainingDivergedException e)
        {
            asWrittenOutcome = e.Message;
        }
        var olderRun = TrainStudent(new LogTargetMistakeObjective(Options.Kd.Alpha, t, signal, olderLibtorch: true), "student (log_target mistake, older rule)", seed);
        var olderRow = Evaluate(olderRun.History.RunName, olderRun.Model, olderRun.History).Row;
        olderRun.Model.Dispose();
        return new LogTargetMistakeResult(correct, asWritten, older, asWrittenOutcome, asWrittenRow, olderRow);
    }

    /// <summary>
    /// Hinton's omitted-class measurement for one student: errors overall and on the omitted class, then the same after
    /// adding to that class's logit the shift that makes the fewest errors on <see cref="BiasFit"/> (held-out training images).
    /// </summary>
    public OmittedClassOutcome MeasureOmittedClass(string name, int seed, nn.Module<Tensor, Tensor> model)
    {
        int c = Options.OmitClass ?? throw new InvalidOperationException("Set OmitClass to measure the omitted-class experiment.");
        EnsureData();
        double shift;
        using (var fitLogits = Predictor.Logits(model, BiasFit!))
        {
            shift = ClassLogitBias.Fit(fitLogits, BiasFit!.LabelArray(), c);
        }
        using var logits = Predictor.Logits(model, Evaluation);
        var labels = Evaluation.LabelArray();
        var before = ClassificationReport.From(ClassLogitBias.Predict(logits, c, 0), labels, Evaluation.NumClasses);
        var after = ClassificationReport.From(ClassLogitBias.Predict(logits, c, shift), labels, Evaluation.NumClasses);
        int count = before.Confusion[c].Sum();
        return new OmittedClassOutcome(name, seed, c, shift, count, before.Errors, count - before.Confusion[c][c], after.Errors, count - after.Confusion[c][c],
            before.PerClassAccuracy, after.PerClassAccuracy);
    }

    /// <summary>
    /// Runs the whole lab: teacher, then for each student seed a baseline and a distilled student from
    /// the same initial weights, evaluation, results.json and report.html. Several seeds give the
    /// mean ± std that a claim "KD beats the baseline" needs.
    /// </summary>
    public override MnistDistillationResult Run()
    {
        var seeds = Lab.Seeds;
        var clock = Stopwatch.StartNew();
        LoadData();
        GetTeacher();
        var teacherEval = Evaluate("teacher", Teacher, TeacherHistory);
        var rows = new List<ModelResult> { teacherEval.Row };
        var histories = new List<TrainingHistory> { TeacherHistory };
        var reports = new List<ClassificationReport> { teacherEval.Report };
        var perSeed = new List<SeedOutcome>();
        var omitted = new List<OmittedClassOutcome>();
        foreach (int seed in seeds)
        {
            string suffix = seeds.Count > 1 ? $" seed {seed}" : "";
            var baseline = TrainBaseline("student (no KD)" + suffix, seed);
            var distilled = TrainDistilled(name: $"student (KD α={Options.Kd.Alpha:0.##}, T={Options.Kd.Temperature:0.##}){suffix}", seed: seed);
            var b = Evaluate(baseline.History.RunName, baseline.Model, baseline.History, teacherEval.Predictions, teacherEval.Row.LatencyMsBatch1);
            var d = Evaluate(distilled.History.RunName, distilled.Model, distilled.History, teacherEval.Predictions, teacherEval.Row.LatencyMsBatch1);
            rows.AddRange([b.Row, d.Row]);
            histories.AddRange([baseline.History, distilled.History]);
            reports.AddRange([b.Report, d.Report]);
            perSeed.Add(new SeedOutcome(seed, b.Row.TestAccuracy, d.Row.TestAccuracy, b.Row.Errors, d.Row.Errors));
            if (Options.OmitClass is not null)
            {
                omitted.Add(MeasureOmittedClass(b.Row.Name, seed, baseline.Model));
                omitted.Add(MeasureOmittedClass(d.Row.Name, seed, distilled.Model));
                Log($"omitted class {Options.OmitClass}: {omitted[^2].Summary()}; {omitted[^1].Summary()}");
            }
            baseline.Model.Dispose();
            distilled.Model.Dispose();
        }
        clock.Stop();
        var result = new MnistDistillationResult(Options, RunEnvironment.Describe(Device), clock.Elapsed.TotalSeconds, TeacherId, rows, histories, reports, perSeed, omitted, EvaluationName, TeacherTrain.Count, Transfer.Count,
            TeacherEvaluationOverlap);
        WriteResults(MnistDistillationReport.Json(result), MnistDistillationReport.Markdown(result), MnistDistillationReport.Html(result));
        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        logitCache?.Dispose();
        teacher?.Dispose();
        if (!ReferenceEquals(Transfer, Train))
        {
            Transfer?.Dispose();
        }
        BiasFit?.Dispose();
        if (!ReferenceEquals(TeacherTrain, Train))
        {
            TeacherTrain?.Dispose();
        }
        if (!ReferenceEquals(Evaluation, Test))
        {
            Evaluation?.Dispose();
        }
        Train?.Dispose();
        Test?.Dispose();
    }

    private void EnsureData()
    {
        if (Train is null)
        {
            LoadData();
        }
    }
}
