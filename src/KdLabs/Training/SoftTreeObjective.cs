using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Models;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>
/// Trains a <see cref="SoftDecisionTree"/> (Frosst &amp; Hinton 2017): the <see cref="SoftTreeLoss"/> against a
/// target distribution plus the <see cref="SoftTreeRegularizer"/> balance penalty. Without a teacher the
/// targets are one-hot labels; with one they are softmax(t/T) of the teacher's logits t, optionally mixed
/// with the labels:
/// <code>L = w·L(onehot(y)) + (1 − w)·L(softmax(t/T)) + C</code>
/// Unlike Hinton's KD loss there is no T² factor: the tree's leaves are not softened by T, so the soft
/// term's gradients do not shrink as 1/T². The logits reported to the trainer are the mixture
/// log-probabilities log Σ_ℓ P_ℓ Q_ℓ, the same as <see cref="SoftDecisionTree.forward"/>. An image whose label is
/// negative (an unlabelled image of the transfer set) is trained on the soft term alone.
/// </summary>
internal sealed class SoftTreeObjective : ITrainingObjective, IDisposable
{
    private bool hasUnlabelled;

    /// <summary>Creates the objective; <paramref name="teacher"/> null means hard-label training.</summary>
    /// <param name="loss">The data term.</param>
    /// <param name="regularizer">The balance penalty; the objective owns and disposes it.</param>
    /// <param name="teacher">Source of teacher logits, or null.</param>
    /// <param name="temperature">T for the teacher's softmax.</param>
    /// <param name="hardLabelWeight">w in [0, 1], the weight of the one-hot term when a teacher is given (ignored without one).</param>
    public SoftTreeObjective(SoftTreeLoss loss, SoftTreeRegularizer regularizer, ITeacherSignal? teacher = null,
        double temperature = 1, double hardLabelWeight = 0)
    {
        SoftTargets.ValidateTemperature(temperature);
        if (!(hardLabelWeight >= 0 && hardLabelWeight <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(hardLabelWeight), hardLabelWeight, "The hard-label weight must be in [0, 1] (0 = teacher's soft targets only).");
        }
        Loss = loss;
        Regularizer = regularizer;
        Teacher = teacher;
        Temperature = temperature;
        HardLabelWeight = teacher is null ? 1 : hardLabelWeight;
    }

    /// <summary>The data term.</summary>
    public SoftTreeLoss Loss { get; }

    /// <summary>The balance penalty, with its running averages.</summary>
    public SoftTreeRegularizer Regularizer { get; }

    /// <summary>The teacher, or null for hard-label training.</summary>
    public ITeacherSignal? Teacher { get; }

    /// <summary>Temperature of the teacher's soft targets.</summary>
    public double Temperature { get; }

    /// <summary>Weight of the one-hot term (1 without a teacher).</summary>
    public double HardLabelWeight { get; }

    /// <inheritdoc />
    public string Description => Teacher is null
        ? $"soft tree: {Loss} on labels + balance penalty λ={Regularizer.Strength:g3}"
        : $"soft tree: {Loss} on {(1 - HardLabelWeight):0.###}·softmax(teacher/T={Temperature:0.###}) + {HardLabelWeight:0.###}·labels, from {Teacher.Description} + balance penalty λ={Regularizer.Strength:g3}";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("soft-tree", new
    {
        Loss.Form, Regularizer.Strength, Regularizer.Depth, Regularizer.RootWindow,
        // Without a teacher T and w play no part: a hard-label tree is the same run whatever they are set to.
        Temperature = Teacher is null ? (double?)null : Temperature,
        HardLabelWeight = Teacher is null ? (double?)null : HardLabelWeight,
        Teacher = Teacher?.RunIdentity,
    });

    /// <summary>Hard-label training with the settings of <paramref name="options"/>.</summary>
    public static SoftTreeObjective FromLabels(SoftTreeOptions options) =>
        new(new SoftTreeLoss(options.LossForm), options.CreateRegularizer());

    /// <summary>Distillation from <paramref name="teacher"/> with the settings of <paramref name="options"/>.</summary>
    public static SoftTreeObjective FromTeacher(SoftTreeOptions options, ITeacherSignal teacher) =>
        new(new SoftTreeLoss(options.LossForm), options.CreateRegularizer(), teacher, options.Temperature, options.HardLabelWeight);

    /// <inheritdoc />
    public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation)
    {
        Teacher?.CheckCompatible(train, augmentation);
        // Unlabelled images carry a negative label (SoftTreeLabOptions.UnlabelledMark); only a set holding some takes the
        // masked path, so a fully labelled run computes exactly what it always has.
        using (var unlabelled = train.Labels.lt(0).any())
        {
            hasUnlabelled = unlabelled.item<bool>();
        }
        if (hasUnlabelled && Teacher is null)
        {
            throw new InvalidOperationException($"{train.Name} holds unlabelled images: a hard-label tree needs a label for every image; train it on the labelled images only.");
        }
        // A new run must not inherit the balance estimates of an earlier one.
        Regularizer.Reset();
    }

    /// <inheritdoc />
    public StepResult Step(nn.Module<Tensor, Tensor> model, Batch batch)
    {
        if (model is not SoftDecisionTree tree)
        {
            throw new ArgumentException($"{nameof(SoftTreeObjective)} trains a {nameof(SoftDecisionTree)}, got {model.GetType().Name}.", nameof(model));
        }
        var routing = tree.Route(batch.Inputs);
        var data = DataTerm(routing, batch, tree.Classes);
        var penalty = Regularizer.Compute(routing, updateAverages: tree.training);
        return new StepResult(data + penalty, routing.MixtureLogProbabilities);
    }

    /// <inheritdoc />
    public void Dispose() => Regularizer.Dispose();

    private Tensor DataTerm(SoftTreeRouting routing, Batch batch, int classes)
    {
        if (hasUnlabelled)
        {
            return MaskedDataTerm(routing, batch, classes);
        }
        if (Teacher is null || HardLabelWeight == 1)
        {
            return Loss.Compute(routing, batch.Labels, classes);
        }
        var soft = SoftTargets.Probabilities(Teacher.LogitsFor(batch).detach(), Temperature);
        var distilled = Loss.Compute(routing, soft);
        return HardLabelWeight == 0
            ? distilled
            : distilled * (1 - HardLabelWeight) + Loss.Compute(routing, batch.Labels, classes) * HardLabelWeight;
    }

    // A labelled image is trained on w·labels + (1 − w)·soft targets, an unlabelled one on the soft targets alone: its
    // one-hot row is all zeros and its label weight 0, so its label (the mark) reaches neither the loss nor a gradient.
    private Tensor MaskedDataTerm(SoftTreeRouting routing, Batch batch, int classes)
    {
        var dtype = routing.LeafLogDistributions.dtype;
        var soft = SoftTargets.Probabilities(Teacher!.LogitsFor(batch).detach(), Temperature);
        var labelled = batch.Labels.ge(0).to_type(dtype);
        var hardWeight = labelled * HardLabelWeight;
        var perSample = Loss.PerSample(routing, soft) * (1 - hardWeight);
        if (HardLabelWeight > 0)
        {
            var oneHot = SoftTreeLoss.OneHot(batch.Labels.clamp_min(0), classes, dtype) * labelled.unsqueeze(1);
            perSample = perSample + Loss.PerSample(routing, oneHot) * hardWeight;
        }
        return perSample.mean();
    }
}
