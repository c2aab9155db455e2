using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Losses;

/// <summary>The parts of deep mutual learning's loss: one loss per student, and their sum for a single backward.</summary>
public sealed record MutualLearningTerms(IReadOnlyList<Tensor> Losses, IReadOnlyList<Tensor> CrossEntropies, IReadOnlyList<Tensor> Mimicry, Tensor Total);

/// <summary>
/// Deep mutual learning (Zhang, Xiang, Hospedales &amp; Lu 2018): K students train together, each also
/// matching the others' predictions,
/// <code>L_k = CE(y, s_k) + 1/(K − 1) Σ_{j≠k} KL(p_j ‖ p_k)</code>
/// with p = softmax(s) (T = 1) and p_j detached in L_k, so L_k only updates student k. The paper
/// alternates updates between students; with the peers detached, summing the L_k and taking one
/// step gives each student exactly its own gradient, computed from the same peer predictions.
/// </summary>
public static class DeepMutualLearningLoss
{
    /// <summary>Computes every student's loss from their logits (K ≥ 2, same shape) and integer labels.</summary>
    public static MutualLearningTerms Compute(IReadOnlyList<Tensor> studentLogits, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(studentLogits);
        ArgumentNullException.ThrowIfNull(labels);
        int k = studentLogits.Count;
        if (k < 2)
        {
            throw new ArgumentException($"Mutual learning needs at least 2 students, got {k}.", nameof(studentLogits));
        }
        for (int i = 1; i < k; i++)
        {
            KlDivergence.CheckShapes(studentLogits[0], studentLogits[i]);
        }
        if (labels.shape.Length != 1 || labels.shape[0] != studentLogits[0].shape[0])
        {
            throw new ArgumentException($"Expected {studentLogits[0].shape[0]} labels, got shape [{string.Join(", ", labels.shape)}].", nameof(labels));
        }
        var logP = studentLogits.Select(s => functional.log_softmax(s, -1)).ToArray();
        var losses = new Tensor[k];
        var ces = new Tensor[k];
        var mimicry = new Tensor[k];
        for (int i = 0; i < k; i++)
        {
            ces[i] = functional.nll_loss(logP[i], labels);
            Tensor? sum = null;
            for (int j = 0; j < k; j++)
            {
                if (j == i)
                {
                    continue;
                }
                var kl = KlDivergence.BatchMean(logP[j].detach(), logP[i]);
                sum = sum is null ? kl : sum + kl;
            }
            mimicry[i] = sum! / (k - 1);
            losses[i] = ces[i] + mimicry[i];
        }
        var total = losses.Skip(1).Aggregate(losses[0], (a, b) => a + b);
        return new MutualLearningTerms(losses, ces, mimicry, total);
    }
}
