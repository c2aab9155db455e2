using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>
/// How every teacher signal holds its teacher: eval mode and frozen parameters. A teacher in train mode applies dropout
/// and updates batch-norm statistics, giving noisy, drifting targets; one with gradients on drifts towards the student.
/// </summary>
internal static class TeacherMode
{
    /// <summary>Switches <paramref name="teacher"/> to eval mode and stops gradients to its parameters.</summary>
    public static void Freeze(nn.Module teacher)
    {
        teacher.eval();
        foreach (var p in teacher.parameters())
        {
            p.requires_grad = false;
        }
    }

    /// <summary>Throws when something switched the teacher back to train mode since <see cref="Freeze"/>.</summary>
    public static void EnsureEval(nn.Module teacher)
    {
        if (teacher.training)
        {
            throw new InvalidOperationException("The teacher was switched back to train mode; distillation targets must come from the teacher in eval mode.");
        }
    }
}
