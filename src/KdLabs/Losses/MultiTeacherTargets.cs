using static TorchSharp.torch;

namespace KdLabs.Losses;

/// <summary>
/// Soft targets from an ensemble of teachers: the (optionally weighted) average of their softened
/// distributions, <code>p̄ = Σ_k w_k·softmax(t_k/T),  Σ_k w_k = 1</code>
/// as in Hinton et al. (2015), who distil an ensemble through its arithmetic mean, and Fukuda et al.
/// (2017, "Efficient Knowledge Distillation from an Ensemble of Teachers"), who compare it with
/// switching teacher per mini-batch (the multi-teacher method's random mode). Averaging probabilities, not
/// logits, keeps each teacher's own confidence; the distillation loss is T²·KL(p̄ ‖ softmax(s/T)).
/// </summary>
public static class MultiTeacherTargets
{
    /// <summary>
    /// log p̄ (batch × classes), detached. Weights default to uniform and are normalised to sum 1;
    /// computed as logsumexp_k(log w_k + log p_k) so a class every teacher nearly rules out stays finite.
    /// </summary>
    public static Tensor AverageLogProbabilities(IReadOnlyList<Tensor> teacherLogits, double temperature, IReadOnlyList<double>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(teacherLogits);
        if (teacherLogits.Count == 0)
        {
            throw new ArgumentException("At least one teacher is needed.", nameof(teacherLogits));
        }
        SoftTargets.ValidateTemperature(temperature);
        var w = NormalisedWeights(teacherLogits.Count, weights);
        var terms = new Tensor[teacherLogits.Count];
        for (int k = 0; k < teacherLogits.Count; k++)
        {
            KlDivergence.CheckShapes(teacherLogits[0], teacherLogits[k]);
            // A teacher with weight 0 contributes log 0 = −∞ to the logsumexp, which it handles.
            terms[k] = SoftTargets.LogProbabilities(teacherLogits[k].detach(), temperature) + Math.Log(w[k]);
        }
        return stack(terms).logsumexp(0);
    }

    /// <summary>p̄ (batch × classes), detached: the exponent of <see cref="AverageLogProbabilities"/>.</summary>
    public static Tensor AverageProbabilities(IReadOnlyList<Tensor> teacherLogits, double temperature, IReadOnlyList<double>? weights = null) =>
        AverageLogProbabilities(teacherLogits, temperature, weights).exp();

    /// <summary>
    /// T²·KL(p̄ ‖ softmax(student/T)) averaged over the batch: the soft term of <see cref="KdLoss"/> with
    /// the ensemble's average as the target. Gradients reach the student only.
    /// </summary>
    public static Tensor DistillationLoss(IReadOnlyList<Tensor> teacherLogits, Tensor studentLogits, double temperature, IReadOnlyList<double>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(studentLogits);
        var logTarget = AverageLogProbabilities(teacherLogits, temperature, weights);
        KlDivergence.CheckShapes(logTarget, studentLogits);
        var logQ = SoftTargets.LogProbabilities(studentLogits, temperature);
        return KlDivergence.BatchMean(logTarget, logQ) * (temperature * temperature);
    }

    private static double[] NormalisedWeights(int teachers, IReadOnlyList<double>? weights)
    {
        if (weights is null)
        {
            return Enumerable.Repeat(1.0 / teachers, teachers).ToArray();
        }
        if (weights.Count != teachers)
        {
            throw new ArgumentException($"Got {weights.Count} weights for {teachers} teachers.", nameof(weights));
        }
        if (weights.Any(x => !(x >= 0) || double.IsInfinity(x)))
        {
            throw new ArgumentOutOfRangeException(nameof(weights), "Teacher weights must be finite and ≥ 0.");
        }
        double sum = weights.Sum();
        if (!(sum > 0))
        {
            throw new ArgumentException("At least one teacher weight must be greater than 0.", nameof(weights));
        }
        return weights.Select(x => x / sum).ToArray();
    }
}
