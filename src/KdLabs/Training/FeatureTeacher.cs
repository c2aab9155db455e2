using KdLabs.Models;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>
/// A frozen teacher run on every batch for its feature maps as well as its logits (feature maps are too large to
/// cache: the MNIST teacher's conv2 alone is 36,864 floats per image). Eval mode and no gradients, as for
/// <see cref="LiveTeacher"/>.
/// </summary>
public sealed class FeatureTeacher
{
    private readonly nn.Module<Tensor, Tensor> teacher;

    /// <summary>Wraps <paramref name="teacher"/>, switching it to eval mode and freezing its parameters.</summary>
    public FeatureTeacher(nn.Module<Tensor, Tensor> teacher, string teacherId)
    {
        if (teacher is not IFeatureModel)
        {
            throw new ArgumentException($"{teacher.GetType().Name} does not return feature maps ({nameof(IFeatureModel)}).", nameof(teacher));
        }
        this.teacher = teacher;
        TeacherId = teacherId;
        TeacherMode.Freeze(teacher);
    }

    /// <summary>Identifies the teacher's weights.</summary>
    public string TeacherId { get; }

    /// <summary>"teacher 1a2b… run on each batch".</summary>
    public string Description => $"teacher {TeacherId[..Math.Min(12, TeacherId.Length)]} run on each batch";

    /// <summary>What identifies the teacher in a <see cref="RunKey"/>: run live, with these weights.</summary>
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("live-feature-teacher", new { Teacher = TeacherId });

    /// <summary>The teacher's logits and features for <paramref name="inputs"/>, without gradients.</summary>
    public FeatureOutput Run(Tensor inputs)
    {
        TeacherMode.EnsureEval(teacher);
        using var noGrad = no_grad();
        return ((IFeatureModel)teacher).ForwardWithFeatures(inputs);
    }
}
