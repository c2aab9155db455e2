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
/// What the studio trains with: the MNIST lab's data and cached CNN teacher (<see cref="TeacherStore"/>, trained on
/// first use), the teacher's logits on the training set (computed once, saved under the cache folder) and a student
/// trainer that runs one <see cref="RunSettings"/> against them. Not thread-safe: the <see cref="RunScheduler"/>
/// calls it from one worker.
/// </summary>
public sealed class StudioEngine : IDisposable
{
    private readonly MnistDistillationLab lab;
    private PrefixSubsets? subsets;
    private TeacherLogitCache logits = null!;
    private InMemoryDataset shown = null!;

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
            engine.logits = engine.LoadOrBuildLogits(line =>
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

    // The teacher's pass over 60,000 training images takes tens of seconds on a shared CPU: it is saved, keyed by the
    // teacher's SHA-256 and the training set's fingerprint, and a file of the wrong size is rebuilt rather than half-read.
    private TeacherLogitCache LoadOrBuildLogits(Action<string> log)
    {
        var train = lab.Train;
        string path = Path.Combine(KdLabsPaths.CacheDirectory, "studio", "teacher-logits", $"{TextHash.Sha256(TeacherId + "|" + train.Fingerprint)[..16]}.bin");
        int classes = train.NumClasses;
        // The same length is not the same content: a file garbled in place would train every student on wrong soft
        // targets and cache their results, so its bytes are checked against the hash written beside it.
        if (File.Exists(path) && new FileInfo(path).Length == 8 + 4L * train.Count * classes && ContentHash.Verify(path, log, "teacher logits"))
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            int rows = reader.ReadInt32(), cols = reader.ReadInt32();
            if (rows == train.Count && cols == classes)
            {
                var values = new float[rows * cols];
                reader.Read(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
                if (values.All(float.IsFinite))
                {
                    log($"teacher logits: reusing {path}");
                    return TeacherLogitCache.FromLogits(tensor(values, [rows, cols]), train.Fingerprint, TeacherId);
                }
                log($"teacher logits: warning: {path} holds NaN or infinite logits; computing them again");
            }
        }
        log($"teacher logits: computing them once for {train.Count:N0} training images...");
        var cache = TeacherLogitCache.Build(lab.Teacher, TeacherId, train, 1000, log);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var cpu = cache.All.to_type(ScalarType.Float32).cpu().contiguous();
        var data = cpu.data<float>().ToArray();
        AtomicFile.Write(path, tmp =>
        {
            using var writer = new BinaryWriter(File.Create(tmp));
            writer.Write(train.Count);
            writer.Write(classes);
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan()));
        });
        ContentHash.Write(path);
        log($"teacher logits: saved to {path}");
        return cache;
    }

    private static float[][] Rows(Tensor t)
    {
        using var cpu = t.to_type(ScalarType.Float32).cpu().contiguous();
        int rows = (int)cpu.shape[0], cols = (int)cpu.shape[1];
        var flat = cpu.data<float>().ToArray();
        return Enumerable.Range(0, rows).Select(r => flat.AsSpan(r * cols, cols).ToArray()).ToArray();
    }
}
