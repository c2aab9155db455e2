using KdLabs.Infrastructure;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Methods;

/// <summary>
/// What a lab lends a method to plan its training: the seed, the teachers (cached logits for logit methods, the first
/// teacher's model for feature methods) and a student factory. The lab, not the method, owns all of them; it trains the
/// returned <see cref="MethodPlan"/>'s stages with its own trainer settings and checkpoints.
/// </summary>
public sealed class MethodContext
{
    /// <summary>The run's seed: students are drawn from it, and <see cref="SeedAdapters"/> from it.</summary>
    public required int Seed { get; init; }

    /// <summary>Every teacher's logits on the training set, cached; single-teacher methods use the first.</summary>
    public required IReadOnlyList<ITeacherSignal> TeacherLogits { get; init; }

    /// <summary>The first teacher's model, for feature methods (run on every batch) and channel probes.</summary>
    public required nn.Module<Tensor, Tensor> Teacher { get; init; }

    /// <summary>Identifies <see cref="Teacher"/>'s weights.</summary>
    public required string TeacherId { get; init; }

    /// <summary>
    /// A fresh student: peer 0 has the seed's usual initial weights (every method of the seed starts from them); peer k ≥ 1
    /// weights no other run of the lab uses (deep mutual learning's cohort).
    /// </summary>
    public required Func<int, nn.Module<Tensor, Tensor>> StudentFactory { get; init; }

    /// <summary>Shape of one input, batch of one (e.g. [1, 1, 28, 28]), for probing a network's channel widths.</summary>
    public required long[] InputShape { get; init; }

    /// <summary>The seed's usual student (peer 0).</summary>
    public nn.Module<Tensor, Tensor> NewStudent() => StudentFactory(0);

    /// <summary>The first teacher run on each batch for its feature maps.</summary>
    public FeatureTeacher FeatureTeacher() => new(Teacher, TeacherId);

    /// <summary>
    /// Seeds torch's generator for a method's adapters (regressors, connectors) with seed + 2, one past the student's
    /// seed + 1, so an adapter's weights depend on the seed only, not on what ran before it.
    /// </summary>
    public void SeedAdapters() => manual_seed(Seed + 2);

    /// <summary>The channel count of <paramref name="model"/>'s feature map <paramref name="layer"/>, from one zero input in eval mode.</summary>
    public long Channels(nn.Module<Tensor, Tensor> model, string layer)
    {
        var features = model as IFeatureModel ?? throw new ArgumentException($"{model.GetType().Name} does not return feature maps; feature methods need an {nameof(IFeatureModel)} student and teacher.", nameof(model));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        bool training = model.training;
        model.eval();
        var shape = features.ForwardWithFeatures(zeros(InputShape, device: ComputeDevice.Of(model)))[layer].shape;
        model.train(training);
        return shape[1];
    }
}
