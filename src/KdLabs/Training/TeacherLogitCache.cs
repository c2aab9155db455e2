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

    private TeacherLogitCache(Tensor logits, string datasetFingerprint, string teacherId)
    {
        this.logits = logits.DetachFromDisposeScope();
        DatasetFingerprint = datasetFingerprint;
        TeacherId = teacherId;
    }

    /// <summary>The dataset the logits belong to.</summary>
    public string DatasetFingerprint { get; }

    /// <summary>The teacher that produced them.</summary>
    public string TeacherId { get; }

    /// <summary>All cached logits, N × classes, in dataset order.</summary>
    public Tensor All => logits;

    /// <inheritdoc />
    public string Description => $"cached logits of teacher {TeacherId[..Math.Min(12, TeacherId.Length)]} on {DatasetFingerprint}";

    /// <summary>
    /// Runs the teacher once over <paramref name="data"/>. The labs of lessons 02, 04 and 05 pass 1,000, as when their
    /// documented runs were made (logits differ in the last bits between batch sizes, and KD students follow them);
    /// newer labs pass <see cref="Predictor.DefaultBatchSize"/>, several times faster on CPU.
    /// </summary>
    public static TeacherLogitCache Build(nn.Module<Tensor, Tensor> teacher, string teacherId, InMemoryDataset data, int batchSize) =>
        new(Predictor.Logits(teacher, data, batchSize), data.Fingerprint, teacherId);

    /// <summary>Wraps logits computed earlier (e.g. saved to disk) for <paramref name="datasetFingerprint"/>; rows must be in dataset order.</summary>
    public static TeacherLogitCache FromLogits(Tensor logits, string datasetFingerprint, string teacherId) => new(logits, datasetFingerprint, teacherId);

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
