using KdLabs.Data;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>
/// Runs the frozen teacher on every batch, on exactly the (possibly augmented) inputs the student sees.
/// The teacher is held in eval mode with gradients off: a teacher left in train mode would apply
/// dropout and update batch-norm statistics, giving noisy, drifting targets.
/// </summary>
internal sealed class LiveTeacher : ITeacherSignal
{
    private readonly nn.Module<Tensor, Tensor> teacher;

    /// <summary>Wraps <paramref name="teacher"/>, switching it to eval mode and freezing its parameters.</summary>
    public LiveTeacher(nn.Module<Tensor, Tensor> teacher, string teacherId)
    {
        this.teacher = teacher;
        TeacherId = teacherId;
        TeacherMode.Freeze(teacher);
    }

    /// <summary>Identifies the teacher's weights (e.g. its checkpoint's SHA-256).</summary>
    public string TeacherId { get; }

    /// <inheritdoc />
    public string Description => $"teacher {TeacherId[..Math.Min(12, TeacherId.Length)]} run on each batch";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("live-teacher", new { Teacher = TeacherId });

    /// <inheritdoc />
    public Tensor LogitsFor(Batch batch)
    {
        TeacherMode.EnsureEval(teacher);
        using var noGrad = no_grad();
        return teacher.forward(batch.Inputs);
    }

    /// <inheritdoc />
    public void CheckCompatible(InMemoryDataset train, IBatchAugmentation? augmentation)
    {
    }
}
