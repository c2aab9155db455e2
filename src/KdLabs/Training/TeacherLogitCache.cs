using KdLabs.Data;
using KdLabs.Evaluation;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>
/// The teacher's logits for every sample of one dataset, computed once (eval mode, no gradients) and
/// looked up by each batch's sample indices. Keyed by the dataset's fingerprint and the teacher's id,
/// so shuffling can never misalign them and a cache from another teacher or dataset is refused.
/// Only valid when the student sees the inputs unaugmented; <see cref="CheckCompatible"/> enforces it.
/// </summary>
public sealed class TeacherLogitCache : ITeacherSignal, IDisposable
{
    private readonly Tensor logits;

    private TeacherLogitCache(Tensor logits, string datasetFingerprint, string teacherId, int? batchSize)
    {
        this.logits = logits.DetachFromDisposeScope();
        DatasetFingerprint = datasetFingerprint;
        TeacherId = teacherId;
        BatchSize = batchSize;
    }

    /// <summary>The dataset the logits belong to.</summary>
    public string DatasetFingerprint { get; }

    /// <summary>The teacher that produced them.</summary>
    public string TeacherId { get; }

    /// <summary>The batch size the teacher ran at (logits differ in the last bits between batch sizes), or null when not recorded.</summary>
    public int? BatchSize { get; }

    /// <summary>All cached logits, N × classes, in dataset order.</summary>
    public Tensor All => logits;

    /// <inheritdoc />
    public string Description => $"cached logits of teacher {TeacherId[..Math.Min(12, TeacherId.Length)]} on {DatasetFingerprint}";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("cached-logits", new { Teacher = TeacherId, Dataset = DatasetFingerprint, BatchSize });

    /// <summary>
    /// The key of the logits of the teacher run <paramref name="teacher"/> (weights <paramref name="teacherId"/>) on
    /// <paramref name="data"/> at <paramref name="batchSize"/>, for keeping them in a <see cref="RunStore"/>.
    /// </summary>
    public static RunKey KeyFor(RunKey? teacher, string teacherId, InMemoryDataset data, int batchSize) =>
        RunKey.Create("logits", teacher?.Model ?? "teacher", data.Fingerprint, null, RunKey.Settings("teacher-logits", new { Teacher = teacherId, BatchSize = batchSize }), parent: teacher);

    /// <summary>
    /// The logits of <paramref name="teacher"/> on <paramref name="data"/> kept in <paramref name="store"/> under <see cref="KeyFor"/>:
    /// read back when saved before (length, shape, content hash and finiteness checked; a file that fails is computed again,
    /// with a warning naming it through <paramref name="log"/>), otherwise computed once and saved atomically with its hash.
    /// </summary>
    public static TeacherLogitCache GetOrBuild(RunStore store, RunKey? teacherKey, nn.Module<Tensor, Tensor> teacher, string teacherId, InMemoryDataset data,
        int batchSize, Action<string> log)
    {
        var key = KeyFor(teacherKey, teacherId, data, batchSize);
        return store.GetOrTrain(key, "logits", dir =>
        {
            string path = Path.Combine(dir, LogitsFile);
            if (!File.Exists(path))
            {
                return null;
            }
            // The logits are derived data, so a torn or damaged file (wrong length: cut short by a full disk, a copy
            // stopped half-way, or with bytes appended) is computed again, as the image and Studio caches do, rather
            // than half-read or read with trailing garbage.
            long expected = 8 + 4L * data.Count * data.NumClasses;
            long length = new FileInfo(path).Length;
            if (length != expected)
            {
                log($"teacher logits: warning: {path} holds {length:N0} bytes, not the {expected:N0} of {data.Count}×{data.NumClasses} logits (a damaged or partly copied file); computing them again");
                return null;
            }
            // The same length is not the same content: a file garbled in place would be trusted and silently train
            // every student on wrong soft targets, so the bytes are checked against the hash written beside them.
            if (!Infrastructure.ContentHash.Verify(path, log, "teacher logits"))
            {
                return null;
            }
            using var reader = new BinaryReader(File.OpenRead(path));
            int rows = reader.ReadInt32(), cols = reader.ReadInt32();
            if (rows != data.Count || cols != data.NumClasses)
            {
                throw new Infrastructure.DataFormatException(path, "shape", $"{rows}×{cols} logits for a dataset of {data.Count}×{data.NumClasses}", $"Delete {dir} to compute them again.");
            }
            var values = new float[rows * cols];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = reader.ReadSingle();
            }
            if (!values.All(float.IsFinite))
            {
                log($"teacher logits: warning: {path} holds NaN or infinite logits; computing them again");
                return null;
            }
            log($"teacher logits: reusing {path}");
            return FromLogits(tensor(values, [rows, cols], device: data.Device), data.Fingerprint, teacherId, batchSize);
        }, dir =>
        {
            var cache = Build(teacher, teacherId, data, batchSize, log);
            Infrastructure.AtomicFile.Write(Path.Combine(dir, LogitsFile), temp =>
            {
                using var writer = new BinaryWriter(File.Create(temp));
                writer.Write((int)cache.All.shape[0]);
                writer.Write((int)cache.All.shape[1]);
                using var cpu = cache.All.to_type(ScalarType.Float32).cpu();
                foreach (float v in cpu.data<float>())
                {
                    writer.Write(v);
                }
            });
            Infrastructure.ContentHash.Write(Path.Combine(dir, LogitsFile));
            return cache;
        });
    }

    private const string LogitsFile = "logits.bin";

    /// <summary>
    /// Runs the teacher once over <paramref name="data"/>. The labs of lessons 02, 04 and 05 pass 1,000, as when their
    /// documented runs were made (logits differ in the last bits between batch sizes, and KD students follow them);
    /// newer labs pass <see cref="Predictor.DefaultBatchSize"/>, several times faster on CPU. A pass longer than ten
    /// seconds reports on <paramref name="log"/>, when given, every ten seconds.
    /// </summary>
    public static TeacherLogitCache Build(nn.Module<Tensor, Tensor> teacher, string teacherId, InMemoryDataset data, int batchSize, Action<string>? log = null) =>
        new(Predictor.Logits(teacher, data, batchSize, log is null ? null : line => log($"teacher logits: {line}")), data.Fingerprint, teacherId, batchSize);

    /// <summary>
    /// Wraps logits computed earlier (e.g. saved to disk) for <paramref name="datasetFingerprint"/>; rows must be in dataset
    /// order. <paramref name="batchSize"/> is the batch size they were computed at, when known.
    /// </summary>
    public static TeacherLogitCache FromLogits(Tensor logits, string datasetFingerprint, string teacherId, int? batchSize = null) => new(logits, datasetFingerprint, teacherId, batchSize);

    /// <inheritdoc />
    public Tensor LogitsFor(Batch batch) => logits.index_select(0, batch.Indices);

    /// <inheritdoc />
    public void CheckCompatible(InMemoryDataset train, IBatchAugmentation? augmentation)
    {
        if (train.Fingerprint != DatasetFingerprint)
        {
            throw new InvalidOperationException($"Teacher logits were cached for {DatasetFingerprint} but training uses {train.Fingerprint}; rebuild the cache for this dataset.");
        }
        if (augmentation is not null)
        {
            throw new InvalidOperationException($"Cached teacher logits are for unaugmented inputs, but training applies '{augmentation.Name}': the teacher would be judging images the student never sees. Use a LiveTeacher.");
        }
    }

    /// <inheritdoc />
    public void Dispose() => logits.Dispose();
}
