using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Methods;

/// <summary>Settings of DKD (the official code's defaults, no warm-up ramp).</summary>
internal sealed record DkdOptions
{
    /// <summary>Target-class (TCKD) weight α.</summary>
    public double Alpha { get; init; } = 1;

    /// <summary>Non-target (NCKD) weight β.</summary>
    public double Beta { get; init; } = 8;

    /// <summary>Temperature T.</summary>
    public double Temperature { get; init; } = 4;

    /// <summary>Epochs over which the DKD term ramps up, min(epoch / N, 1); 1 is no ramp.</summary>
    public int WarmupEpochs { get; init; } = 1;

    /// <summary>Throws (marked as a setting: <see cref="Infrastructure.OptionsValidation"/>) when α or β is negative or not finite, T is out of range or the warm-up is shorter than an epoch.</summary>
    public void Validate() => Infrastructure.OptionsValidation.Run(() =>
    {
        DkdLoss.Validate(Alpha, Beta, Temperature);
        if (WarmupEpochs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(WarmupEpochs), WarmupEpochs, "WarmupEpochs must be at least 1 (1 = no ramp).");
        }
    });
}

/// <summary>Decoupled KD: CE plus the ramped <see cref="DkdLoss"/> (<see cref="DkdObjective"/>) from the first teacher's logits.</summary>
internal sealed class DkdMethod : ILogitMethod
{
    /// <summary>Creates the method; <paramref name="options"/> null is the defaults.</summary>
    public DkdMethod(DkdOptions? options = null)
    {
        Settings = options ?? new DkdOptions();
        Settings.Validate();
    }

    /// <summary>Its settings.</summary>
    public DkdOptions Settings { get; }

    /// <inheritdoc />
    public string Key => "dkd";

    /// <inheritdoc />
    public string Title => "DKD";

    /// <inheritdoc />
    public string Knowledge => "target and non-target logits, reweighted";

    /// <inheritdoc />
    public MethodPaper? Paper => new("Zhao, Cui, Song, Qiu & Liang", 2022, "Decoupled Knowledge Distillation");

    /// <inheritdoc />
    public object Options => Settings;

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => [new("ce", "CE(y, s)"), new("tckd", "α·T²·KL of the target/non-target binary split"), new("nckd", "β·T²·KL among the non-target classes")];

    /// <inheritdoc />
    public ITrainingObjective Objective(ITeacherSignal teacher) =>
        new DkdObjective(new DkdLoss(Settings.Alpha, Settings.Beta, Settings.Temperature), teacher, Settings.WarmupEpochs);

    /// <inheritdoc />
    public ILogitMethod WithSoftTargets(double alpha, double temperature) =>
        throw new ArgumentException($"dkd has no hard-label weight α on its CE; set {nameof(DkdOptions)}.{nameof(DkdOptions.Alpha)}/{nameof(DkdOptions.Beta)}/{nameof(DkdOptions.Temperature)} on new {nameof(DkdMethod)}(...) instead.");
}

/// <summary>
/// Decoupled KD as the official code trains it (Zhao et al. 2022; mdistiller's DKD distiller): cross-entropy on
/// the labels plus min(epoch / warmup, 1) · <see cref="DkdLoss"/> against the teacher's logits.
/// </summary>
internal sealed class DkdObjective(DkdLoss loss, ITeacherSignal teacher, int warmupEpochs = 1) : ITrainingObjective
{
    private double ramp = 1;

    /// <inheritdoc />
    public string Description => $"CE + {loss} (ramp over {warmupEpochs} epoch{(warmupEpochs == 1 ? "" : "s")}) from {teacher.Description}";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("dkd", new { loss.Alpha, loss.Beta, loss.Temperature, WarmupEpochs = warmupEpochs, Teacher = teacher.RunIdentity });

    /// <inheritdoc />
    public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation) => teacher.CheckCompatible(train, augmentation);

    /// <inheritdoc />
    public void StartEpoch(int epoch, int stepsPerEpoch) => ramp = DkdLoss.WarmupFactor(epoch, warmupEpochs);

    /// <inheritdoc />
    public StepResult Step(Module<Tensor, Tensor> model, Batch batch)
    {
        var logits = model.forward(batch.Inputs);
        var dkd = loss.Compute(logits, teacher.LogitsFor(batch), batch.Labels);
        return new StepResult(functional.cross_entropy(logits, batch.Labels) + ramp * dkd.Total, logits);
    }
}

/// <summary>The parts of DKD: Total = α·Tckd + β·Nckd, both already multiplied by T².</summary>
internal sealed record DkdLossTerms(Tensor Total, Tensor Tckd, Tensor Nckd);

/// <summary>
/// Decoupled knowledge distillation (Zhao, Cui, Song, Qiu &amp; Liang 2022, "Decoupled Knowledge
/// Distillation"). KD's KL splits into a target-class part and a non-target part, reweighted apart:
/// <code>
/// TCKD = T²·KL(b_t ‖ b_s),  b = [p_y, 1 − p_y]                    (binary: target vs the rest)
/// NCKD = T²·KL(p̂_t ‖ p̂_s),  p̂_i = p_i / (1 − p_y) for i ≠ y       (among non-target classes)
/// L = α·TCKD + β·NCKD
/// </code>
/// with p = softmax(z/T), KL summed over classes and averaged over the batch. Defaults are the
/// official code's (megvii-research/mdistiller, mdistiller/engine/cfg.py): α = 1, β = 8, T = 4. Its
/// per-pair configs retune β: CIFAR-100 uses 8, 6 or 2 (configs/cifar100/dkd/*.yaml), ImageNet β = 0.5
/// or 2 with T = 1 and a 1-epoch warmup (configs/imagenet/*/dkd.yaml). That code adds CE on the labels
/// separately and ramps the DKD term by min(epoch/20, 1) (<see cref="WarmupFactor"/>). NCKD follows
/// mdistiller/distillers/DKD.py: its softmax of
/// z/T − 1000·gt_mask gives the target class e^−1000 = 0 mass and renormalises the rest; here the target logit is
/// filled with −∞ instead, the same numbers, and a mask still when logits are extreme. TCKD
/// is the same quantity as its log(cat_mask(softmax)) but computed in log space, so a target
/// probability that rounds to 1 cannot produce log 0.
/// </summary>
internal sealed class DkdLoss
{
    /// <summary>Creates the loss; α, β ≥ 0, T &gt; 0.</summary>
    public DkdLoss(double alpha = 1.0, double beta = 8.0, double temperature = 4.0)
    {
        Validate(alpha, beta, temperature);
        Alpha = alpha;
        Beta = beta;
        Temperature = temperature;
    }

    /// <summary>Throws unless α, β ≥ 0 are finite and T is in range: the constructor's checks, shared with <see cref="DkdOptions.Validate"/>.</summary>
    public static void Validate(double alpha, double beta, double temperature)
    {
        if (!(alpha >= 0) || double.IsInfinity(alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α (weight of TCKD) must be a finite number ≥ 0; the official code's default is 1.");
        }
        if (!(beta >= 0) || double.IsInfinity(beta))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "β (weight of NCKD) must be a finite number ≥ 0; the official code's default is 8 (its configs use 0.5–8).");
        }
        SoftTargets.ValidateTemperature(temperature);
    }

    /// <summary>Weight of the target-class term.</summary>
    public double Alpha { get; }

    /// <summary>Weight of the non-target-class term.</summary>
    public double Beta { get; }

    /// <summary>Softmax temperature.</summary>
    public double Temperature { get; }

    /// <summary>The official code's ramp of the DKD term: min(epoch / warmup, 1), epochs counted from 1 there.</summary>
    public static double WarmupFactor(int epoch, int warmupEpochs = 20)
    {
        if (warmupEpochs < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(warmupEpochs), warmupEpochs, "The warmup must last at least one epoch.");
        }
        return Math.Min(Math.Max(epoch, 0) / (double)warmupEpochs, 1.0);
    }

    /// <summary>Computes the loss for student logits, fixed teacher logits and integer labels; gradients reach the student only.</summary>
    public DkdLossTerms Compute(Tensor studentLogits, Tensor teacherLogits, Tensor labels)
    {
        KlDivergence.CheckShapes(teacherLogits, studentLogits);
        long classes = studentLogits.shape[1];
        if (classes < 2)
        {
            throw new ArgumentException("DKD needs at least 2 classes: NCKD is over the non-target ones.", nameof(studentLogits));
        }
        if (labels.shape.Length != 1 || labels.shape[0] != studentLogits.shape[0])
        {
            throw new ArgumentException($"Expected {studentLogits.shape[0]} labels, got shape [{string.Join(", ", labels.shape)}].", nameof(labels));
        }
        var teacher = teacherLogits.detach();
        double t = Temperature;
        var index = labels.to(ScalarType.Int64).unsqueeze(1);
        var gtMask = functional.one_hot(labels.to(ScalarType.Int64), classes).to(studentLogits.dtype);

        var tckd = KlDivergence.BatchMean(BinaryLogMasses(teacher, index, gtMask, t), BinaryLogMasses(studentLogits, index, gtMask, t)) * (t * t);

        // The official −1000 offset, as a −∞ fill: the same numbers for ordinary logits (e^−1000 is 0 in float32
        // either way), and still a mask when a logit / T exceeds the others by more than 1000.
        var isTarget = gtMask.to(ScalarType.Bool);
        var logPt = functional.log_softmax((teacher / t).masked_fill(isTarget, double.NegativeInfinity), 1);
        var logPs = functional.log_softmax((studentLogits / t).masked_fill(isTarget, double.NegativeInfinity), 1);
        var nckd = KlDivergence.BatchMean(logPt, logPs) * (t * t);

        return new DkdLossTerms(tckd * Alpha + nckd * Beta, tckd, nckd);
    }

    // [log p_y, log(1 − p_y)] per sample; log(1 − p_y) is the logsumexp of the non-target log-probabilities.
    private static Tensor BinaryLogMasses(Tensor logits, Tensor index, Tensor gtMask, double t)
    {
        var logP = functional.log_softmax(logits / t, 1);
        var logTarget = logP.gather(1, index);
        var logOther = logP.masked_fill(gtMask.to(ScalarType.Bool), double.NegativeInfinity).logsumexp(1, keepdim: true);
        return cat([logTarget, logOther], 1);
    }

    /// <inheritdoc />
    public override string ToString() => $"DKD(α={Alpha:0.###}, β={Beta:0.###}, T={Temperature:0.###})";
}
