using System.Diagnostics;
using System.Globalization;
using KdLabs.Data;
using KdLabs.Evaluation;
using KdLabs.Experiments;
using KdLabs.Infrastructure;
using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Studio;

/// <summary>
/// What the studio trains with: lesson 02's data and cached CNN teacher (<see cref="TeacherStore"/>, trained on first
/// use), the teacher's logits on the training images runs ask for (computed once, saved under the cache folder) and a student
/// trainer that runs one <see cref="RunSettings"/> against them. Not thread-safe: the <see cref="RunScheduler"/>
/// calls it from one worker.
/// </summary>
public sealed class StudioEngine : IDisposable
{
    private readonly MnistDistillationLab lab;
    private PrefixSubsets? subsets;
    private TeacherLogitCache logits = null!;
    private InMemoryDataset shown = null!;
    private Action<string> log = _ => { };

    // Rows of the teacher's logits computed so far: a prefix of the training set, grown in whole batches as runs ask.
    private int covered;

    /// <summary>The teacher's logits are computed in batches of this many images, always from a multiple of it.</summary>
    internal const int LogitBatch = 1000;

    private StudioEngine(StudioOptions options, MnistDistillationLab lab)
    {
        Options = options;
        this.lab = lab;
    }

    /// <summary>The studio's options.</summary>
    public StudioOptions Options { get; }

    /// <summary>The lab settings the teacher was trained with (lesson 02's; students inherit batch size, learning rate, seed and defaults).</summary>
    public MnistDistillationOptions Lab => lab.Options;

    /// <summary>The registered students a run may pick.</summary>
    public IReadOnlyList<string> Students { get; } = ModelCatalog.Names.Where(n => n.EndsWith("-student", StringComparison.Ordinal)).ToArray();

    /// <summary>Training images the teacher's logits cover: the largest training-set size a run may ask for.</summary>
    public int MaxTrainSize => lab.Train.Count;

    /// <summary>Test images every student is scored on.</summary>
    public int TestSize => lab.Test.Count;

    /// <summary>SHA-256 of the teacher's weights.</summary>
    public string TeacherId => lab.TeacherId;

    /// <summary>The teacher's final test accuracy, from its training history.</summary>
    public double TeacherAccuracy => lab.TeacherHistory.Last.TestAccuracy;

    /// <summary>Labels of the shown test digits.</summary>
    public long[] ShownLabels { get; private set; } = [];

    /// <summary>The shown test digits' pixels (0..1, row-major 28 × 28 each), for the page to draw.</summary>
    public float[][] ShownPixels { get; private set; } = [];

    /// <summary>The teacher's logits on the shown test digits: the page softens them at any T itself.</summary>
    public float[][] ShownTeacherLogits { get; private set; } = [];

    /// <summary>
    /// The lab the studio runs in: lesson 02's (<see cref="MnistDistillationOptions.SmallTransferSet"/>: its teacher, its
    /// 1,000-image transfer set, 10 student epochs, α and T), with the studio's data folder, limits and smoke mode.
    /// </summary>
    public static MnistDistillationOptions LabOptions(StudioOptions options)
    {
        var lesson = MnistDistillationOptions.SmallTransferSet;
        var lab = lesson with
        {
            Lab = lesson.Lab with { Smoke = options.Smoke, DataDirectory = options.DataDirectory },
            TestLimit = options.TestLimit,
            TrainLimit = options.TrainLimit,
        };
        return options.TeacherEpochs is { } epochs ? lab with { TeacherEpochs = epochs } : lab;
    }

    /// <summary>
    /// Loads MNIST, gets the cached teacher (training it with visible progress when the cache has none) and its
    /// training-set logits (from the cache folder, or computed once and saved atomically).
    /// </summary>
    public static StudioEngine Start(StudioOptions options, ITrainingProgress teacherProgress, Action<string> log) =>
        Start(options, teacherProgress, log, (_, _) => { });

    /// <summary>
    /// As <see cref="Start(StudioOptions, ITrainingProgress, Action{string})"/>, telling <paramref name="phase"/> each step as
    /// it begins and, within the logit pass, where it stands (its throttled progress lines).
    /// </summary>
    internal static StudioEngine Start(StudioOptions options, ITrainingProgress teacherProgress, Action<string> log, Action<StudioPhase, string?> phase)
    {
        var lab = new MnistDistillationLab(LabOptions(options), teacherProgress, log);
        var engine = new StudioEngine(options, lab);
        try
        {
            phase(StudioPhase.LoadingData, null);
            lab.LoadData();
            phase(StudioPhase.TrainingTeacher, null);
            lab.GetTeacher();
            phase(StudioPhase.TeacherLogits, null);
            engine.log = log;
            engine.logits = engine.LoadLogits();
            // Only what the default run needs now (lesson 02's 1,000 images); larger sets are computed when a run asks.
            engine.EnsureLogits(engine.DefaultTrainSize, line =>
            {
                log(line);
                phase(StudioPhase.TeacherLogits, line);
            });
            engine.subsets = new PrefixSubsets(lab.Train, engine.logits, lab.TeacherId);
            int k = Math.Min(options.ShownDigits, lab.Test.Count);
            engine.shown = lab.Test.Take(k);
            engine.ShownLabels = engine.shown.LabelArray();
            engine.ShownPixels = Rows(engine.shown.Features.reshape(k, -1) * MnistDataset.Std + MnistDataset.Mean);
            using var teacherLogits = Predictor.Logits(lab.Teacher, engine.shown);
            engine.ShownTeacherLogits = Rows(teacherLogits);
            return engine;
        }
        catch
        {
            engine.Dispose();
            throw;
        }
    }

    /// <summary>The training-set size a run gets unless it asks: lesson 02's transfer set, 1,000 images.</summary>
    public int DefaultTrainSize => RunValidation.DefaultTrainSize(Lab, MaxTrainSize);

    /// <summary>Training subsets the engine holds now (at most one): the tests' check that slider moves do not pile up copies.</summary>
    internal int HeldSubsets => subsets?.Held ?? 0;

    /// <summary>The key a run's result is cached under: everything that shapes the student, the teacher's weights and the data included.</summary>
    public string KeyOf(RunSettings s)
    {
        var t = lab.Options.Trainer(null);
        string text = string.Join('|', "studio-v1", TeacherId, lab.Train.Fingerprint, lab.Test.Fingerprint, s.Dataset, s.Method, s.Student,
            s.Alpha.ToString("R", CultureInfo.InvariantCulture), s.Temperature.ToString("R", CultureInfo.InvariantCulture),
            s.Epochs, s.TrainSize, s.Seed, t.BatchSize, t.LearningRate.ToString("R", CultureInfo.InvariantCulture), lab.Options.MlpDropout);
        return TextHash.Sha256(text)[..20];
    }

    /// <summary>
    /// Trains one student for <paramref name="settings"/> (Hinton KD on the cached teacher logits, or hard labels only for
    /// method "none"), streaming progress through <paramref name="emit"/>; throws <see cref="OperationCanceledException"/>
    /// within a few steps of <paramref name="cancel"/> firing.
    /// </summary>
    public StudentResult Train(RunSettings settings, string phase, Action<StudioEvent> emit, CancellationToken cancel)
    {
        cancel.ThrowIfCancellationRequested();
        var clock = Stopwatch.StartNew();
        var events = new List<StudioEvent>();
        void Emit(StudioEvent e)
        {
            events.Add(e);
            emit(e);
        }
        if (LogitsNeeded(settings.TrainSize) is { } more)
        {
            // Told to the page as it happens, not kept with the result: a replay has nothing to compute.
            emit(StudioEvent.Of("note", new { phase, message = $"Computing the teacher's logits once for training images {covered + 1:N0} to {more:N0}…" }));
            EnsureLogits(settings.TrainSize, log);
        }
        var (train, signal) = subsets!.Get(settings.TrainSize);
        // The lab's student trainer (lesson 02's: test accuracy read at mid-run and at the end), for this run's epochs.
        var trainer = (lab.Options with { Training = lab.Options.Training with { Epochs = settings.Epochs } }).StudentTrainer(settings.Seed) with { ReportEvery = Options.ReportEvery };
        ITrainingObjective objective = settings.Method == "none"
            ? new SupervisedObjective()
            : new DistillationObjective(new KdLoss(settings.Alpha, settings.Temperature), signal);
        // The lab's convention: student seed s starts from ModelCatalog weights of seed s + 1, so the KD student and its baseline start identical.
        using var student = ModelCatalog.Create(settings.Student, settings.Seed + 1, lab.Options.MlpDropout);
        var progress = new StudioProgress(phase, train.Count, trainer.BatchSize, () => clock.Elapsed.TotalSeconds, Emit, cancel);
        var history = new Trainer(trainer, progress).Fit(student, train, lab.Test, objective, phase);
        using var shownLogits = Predictor.Logits(student, shown);
        var best = history.Best;
        return new StudentResult(KeyOf(settings), settings.Student, settings.Method, settings.Alpha, settings.Temperature, settings.Epochs, settings.TrainSize, settings.Seed,
            history.Last.TestAccuracy, best.TestAccuracy, best.Epoch, clock.Elapsed.TotalSeconds, Rows(shownLogits), events);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        subsets?.Dispose();
        shown?.Dispose();
        logits?.Dispose();
        lab.Dispose();
    }

    /// <summary>
    /// Computes (once) the teacher's logits a run on <paramref name="trainSize"/> images needs, so a measurement that
    /// follows times training alone: <c>kdlabs bench studio</c> calls it before its clock starts.
    /// </summary>
    public void PrepareLogits(int trainSize) => EnsureLogits(Math.Clamp(trainSize, 1, MaxTrainSize), log);

    /// <summary>Training images whose teacher logits are computed (a prefix; the tests' check that only what runs need is).</summary>
    internal int LogitsCovered => covered;

    /// <summary>The lab behind the engine, for the tests.</summary>
    internal MnistDistillationLab LabRun => lab;

    /// <summary>The computed rows of the teacher's logits, for the tests.</summary>
    internal Tensor CoveredLogits => logits.All.narrow(0, 0, covered);

    // The end of the prefix a run of this size needs, when more than is covered: whole batches of LogitBatch from the
    // start, so every row is computed in the very batch one pass over the whole set would put it in (the same numbers).
    private int? LogitsNeeded(int size)
    {
        int target = (int)Math.Min(lab.Train.Count, (long)Math.Ceiling(size / (double)LogitBatch) * LogitBatch);
        return target > covered ? target : null;
    }

    // The teacher's pass over 60,000 training images takes minutes on a shared 2-core CPU, most of it for images no run
    // uses: only the prefix runs ask for is computed, then saved (keyed by the teacher's SHA-256 and the training set's
    // fingerprint, with the content hash beside it), so a restart reads it back and grows it only when asked.
    private void EnsureLogits(int size, Action<string> progress)
    {
        if (LogitsNeeded(size) is not { } target)
        {
            return;
        }
        int n = target - covered;
        progress($"teacher logits: computing them once for training images {covered + 1:N0} to {target:N0}...");
        var train = lab.Train;
        using (var range = new InMemoryDataset($"{train.Name}[{covered}:{target}]", train.Features.narrow(0, covered, n), train.Labels.narrow(0, covered, n), train.ClassNames))
        using (var rows = Predictor.Logits(lab.Teacher, range, LogitBatch, line => progress($"teacher logits: {line}")))
        using (no_grad())
        {
            logits.All.narrow(0, covered, n).copy_(rows);
        }
        covered = target;
        SaveLogits();
        progress($"teacher logits: {covered:N0} of {train.Count:N0} training images cached in {LogitsPath}");
    }

    private string LogitsPath => Path.Combine(KdLabsPaths.CacheDirectory, "studio", "teacher-logits", $"{TextHash.Sha256(TeacherId + "|" + lab.Train.Fingerprint)[..16]}.bin");

    // The saved prefix (rows, classes, then the rows), or nothing. The same length is not the same content: a file
    // garbled in place would train every student on wrong soft targets and cache their results, so its bytes are checked
    // against the hash written beside it, and a file of another shape is computed again rather than half-read.
    private TeacherLogitCache LoadLogits()
    {
        var train = lab.Train;
        int classes = train.NumClasses;
        var all = zeros([train.Count, classes], ScalarType.Float32, device: train.Features.device);
        string path = LogitsPath;
        if (File.Exists(path) && ContentHash.Verify(path, log, "teacher logits"))
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            int rows = reader.ReadInt32(), cols = reader.ReadInt32();
            if (rows > 0 && rows <= train.Count && cols == classes && new FileInfo(path).Length == 8 + (4L * rows * cols))
            {
                var values = new float[rows * cols];
                reader.Read(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
                if (values.All(float.IsFinite))
                {
                    using var saved = tensor(values, [rows, cols], device: train.Features.device);
                    all.narrow(0, 0, rows).copy_(saved);
                    covered = rows;
                    log($"teacher logits: reusing {path} ({rows:N0} of {train.Count:N0} training images)");
                }
                else
                {
                    log($"teacher logits: warning: {path} holds NaN or infinite logits; computing them again");
                }
            }
        }
        return TeacherLogitCache.FromLogits(all, train.Fingerprint, TeacherId, LogitBatch);
    }

    private void SaveLogits()
    {
        string path = LogitsPath;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var cpu = logits.All.narrow(0, 0, covered).to_type(ScalarType.Float32).cpu().contiguous();
        var data = cpu.data<float>().ToArray();
        int classes = (int)logits.All.shape[1];
        AtomicFile.Write(path, tmp =>
        {
            using var writer = new BinaryWriter(File.Create(tmp));
            writer.Write(covered);
            writer.Write(classes);
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        });
        ContentHash.Write(path);
    }

    private static float[][] Rows(Tensor t)
    {
        using var cpu = t.to_type(ScalarType.Float32).cpu().contiguous();
        int rows = (int)cpu.shape[0], cols = (int)cpu.shape[1];
        var flat = cpu.data<float>().ToArray();
        return Enumerable.Range(0, rows).Select(r => flat.AsSpan(r * cols, cols).ToArray()).ToArray();
    }
}
