using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Losses;

/// <summary>The parts of a distillation loss, for logging: Total = Alpha·Hard + (1 − Alpha)·Soft.</summary>
public sealed record KdLossTerms(Tensor Total, Tensor Hard, Tensor Soft);

/// <summary>
/// Hinton, Vinyals &amp; Dean (2015), "Distilling the Knowledge in a Neural Network":
/// <code>L = α·CE(y, softmax(s)) + (1 − α)·T²·KL(softmax(t/T) ‖ softmax(s/T))</code>
/// with s the student's and t the teacher's logits, KL averaged per sample. The T² factor keeps the
/// soft term's gradients the same size as T changes (they scale as 1/T² otherwise).
/// <para>
/// Convention: here α weights the <b>hard-label</b> term, so α = 1 is plain supervised training and
/// α = 0 is pure distillation. Some write-ups (the chest X-ray walk-through among them) use α for the
/// <b>distillation</b> term instead; <see cref="WithDistillationWeight"/> builds that reading.
/// </para>
/// </summary>
public sealed class KdLoss
{
    /// <summary>Creates the loss; α in [0, 1], T &gt; 0.</summary>
    public KdLoss(double alpha, double temperature)
    {
        Validate(alpha, temperature);
        Alpha = alpha;
        Temperature = temperature;
    }

    /// <summary>
    /// Throws unless α is in [0, 1] and T in [<see cref="SoftTargets.MinTemperature"/>, <see cref="SoftTargets.MaxTemperature"/>]:
    /// the constructor's checks, which every method's options record with a Hinton α and T shares.
    /// </summary>
    public static void Validate(double alpha, double temperature)
    {
        if (!(alpha >= 0 && alpha <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha,
                "alpha must be in [0, 1]: it weights the hard-label cross-entropy (1 = no distillation, 0 = soft targets only).");
        }
        SoftTargets.ValidateTemperature(temperature);
    }

    /// <summary>Weight of the hard-label cross-entropy.</summary>
    public double Alpha { get; }

    /// <summary>Softmax temperature of the soft term.</summary>
    public double Temperature { get; }

    /// <summary>The same loss written with the distillation term's weight w (α = 1 − w).</summary>
    public static KdLoss WithDistillationWeight(double distillationWeight, double temperature)
    {
        if (!(distillationWeight >= 0 && distillationWeight <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(distillationWeight), distillationWeight, "The distillation weight must be in [0, 1].");
        }
        return new KdLoss(1 - distillationWeight, temperature);
    }

    /// <summary>Computes the loss for student logits, fixed teacher logits and integer labels.</summary>
    public KdLossTerms Compute(Tensor studentLogits, Tensor teacherLogits, Tensor labels)
    {
        KlDivergence.CheckShapes(teacherLogits, studentLogits);
        if (labels.shape.Length != 1 || labels.shape[0] != studentLogits.shape[0])
        {
            throw new ArgumentException($"Expected {studentLogits.shape[0]} labels, got shape [{string.Join(", ", labels.shape)}].");
        }
        var hard = functional.cross_entropy(studentLogits, labels);
        var soft = KlDivergence.FromLogits(teacherLogits.detach(), studentLogits, Temperature) * (Temperature * Temperature);
        var total = hard * Alpha + soft * (1 - Alpha);
        return new KdLossTerms(total, hard, soft);
    }

    /// <inheritdoc />
    public override string ToString() => $"KD(α={Alpha:0.###} on CE, T={Temperature:0.###})";
}
