using KdLabs.Data;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>
/// Runs the frozen teacher on every batch in train mode, so its batch-norm layers normalise with the batch's own
/// statistics: SSLD labels this way and found it slightly better than eval mode. Its outputs depend on the batch, so
/// they cannot be cached. Gradients stay off, and the running statistics that train-mode forwards update are put
/// back on <see cref="Dispose"/>, so the teacher leaves exactly as it came. A teacher with dropout would also drop
/// units here; use it only with teachers whose train mode differs by batch norm alone.
/// </summary>
internal sealed class BatchStatisticsTeacher : ITeacherSignal, IDisposable
{
    private readonly nn.Module<Tensor, Tensor> teacher;
    private readonly (Tensor Buffer, Tensor Saved)[] saved;

    /// <summary>Wraps <paramref name="teacher"/>, freezing its parameters and saving its buffers.</summary>
    public BatchStatisticsTeacher(nn.Module<Tensor, Tensor> teacher, string teacherId)
    {
        this.teacher = teacher;
        TeacherId = teacherId;
        foreach (var p in teacher.parameters())
        {
            p.requires_grad = false;
        }
        saved = teacher.buffers().Select(b => (b, b.clone().DetachFromDisposeScope())).ToArray();
    }

    /// <summary>Identifies the teacher's weights.</summary>
    public string TeacherId { get; }

    /// <inheritdoc />
    public string Description => $"teacher {TeacherId[..Math.Min(12, TeacherId.Length)]} in train mode (batch statistics) on each batch";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("batch-statistics-teacher", new { Teacher = TeacherId });

    /// <inheritdoc />
    public Tensor LogitsFor(Batch batch)
    {
        using var noGrad = no_grad();
        teacher.train();
        try
        {
            return teacher.forward(batch.Inputs);
        }
        finally
        {
            teacher.eval();
        }
    }

    /// <inheritdoc />
    public void CheckCompatible(InMemoryDataset train, IBatchAugmentation? augmentation)
    {
    }

    /// <summary>Restores the running statistics saved at construction.</summary>
    public void Dispose()
    {
        using var noGrad = no_grad();
        foreach (var (buffer, copy) in saved)
        {
            buffer.copy_(copy);
            copy.Dispose();
        }
    }
}
