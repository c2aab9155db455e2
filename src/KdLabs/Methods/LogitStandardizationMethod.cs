using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Training;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Methods;

/// <summary>Settings of KD with logit standardisation; the defaults are the zoo's KD, so the row isolates the z-scoring.</summary>
internal sealed record LogitStandardizationOptions
{
    /// <summary>Weight α of the hard-label cross-entropy (on the raw student logits).</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>Temperature T applied after standardising.</summary>
    public double Temperature { get; init; } = 4;

    /// <summary>Throws (marked as a setting: <see cref="Infrastructure.OptionsValidation"/>) when α is outside [0, 1] or T out of range, as <see cref="KdLoss"/> does.</summary>
    public void Validate() => Infrastructure.OptionsValidation.Run(() => KdLoss.Validate(Alpha, Temperature));
}

/// <summary>
/// Logit standardisation (Sun, Ren, Li, Wang &amp; Cao, CVPR 2024, "Logit Standardization in Knowledge Distillation"): KD
/// with both logit vectors z-scored per sample before the temperature softmax, so the student matches the teacher's
/// logit <i>relations</i>, not their range:
/// <code>L = α·CE(y, s) + (1 − α)·T²·KL(softmax(z(t)/T) ‖ softmax(z(s)/T)),  z(x) = (x − mean(x)) / (std(x) + 1e-7)</code>
/// with the sample standard deviation over the classes (n − 1, as the authors' code).
/// </summary>
internal sealed class LogitStandardizationMethod : ILogitMethod
{
    /// <summary>Creates the method; <paramref name="options"/> null is the defaults.</summary>
    public LogitStandardizationMethod(LogitStandardizationOptions? options = null)
    {
        Settings = options ?? new LogitStandardizationOptions();
        Settings.Validate();
    }

    /// <summary>Its settings.</summary>
    public LogitStandardizationOptions Settings { get; }

    /// <inheritdoc />
    public string Key => "logit-std";

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases => ["ls-kd"];

    /// <inheritdoc />
    public string Title => "KD, logit standardisation";

    /// <inheritdoc />
    public string Knowledge => "z-scored logits (relations, not scale)";

    /// <inheritdoc />
    public MethodPaper? Paper => new("Sun, Ren, Li, Wang & Cao", 2024, "Logit Standardization in Knowledge Distillation");

    /// <inheritdoc />
    public object Options => Settings;

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => [new("ce", "CE(y, s)"), new("soft", "T²·KL(softmax(z(t)/T) ‖ softmax(z(s)/T))"), new("total", "α·ce + (1 − α)·soft")];

    /// <inheritdoc />
    public ITrainingObjective Objective(ITeacherSignal teacher) => new LogitStandardizationObjective(Settings, teacher);

    /// <inheritdoc />
    public ILogitMethod WithSoftTargets(double alpha, double temperature) =>
        new LogitStandardizationMethod(Settings with { Alpha = alpha, Temperature = temperature });

    /// <summary>z(x): each row of <paramref name="logits"/> minus its mean, over its sample standard deviation (+ 1e-7).</summary>
    public static Tensor Standardize(Tensor logits) =>
        (logits - logits.mean([1], keepdim: true)) / (logits.std(1, unbiased: true, keepdim: true) + 1e-7);

    /// <summary>L of the class summary for student logits, teacher logits and integer labels, averaged over the batch.</summary>
    public static Tensor Compute(Tensor student, Tensor teacher, Tensor labels, double alpha, double temperature)
    {
        var soft = KlDivergence.FromLogits(Standardize(teacher.detach()), Standardize(student), temperature) * (temperature * temperature);
        return functional.cross_entropy(student, labels) * alpha + soft * (1 - alpha);
    }

    private sealed class LogitStandardizationObjective(LogitStandardizationOptions options, ITeacherSignal teacher) : ITrainingObjective
    {
        public string Description => $"KD with logit standardisation (α={options.Alpha:0.###} on CE, T={options.Temperature:0.###}) from {teacher.Description}";

        public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("logit-std", new { options.Alpha, options.Temperature, Teacher = teacher.RunIdentity });

        public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation) => teacher.CheckCompatible(train, augmentation);

        public StepResult Step(Module<Tensor, Tensor> model, Batch batch)
        {
            var logits = model.forward(batch.Inputs);
            return new StepResult(Compute(logits, teacher.LogitsFor(batch), batch.Labels, options.Alpha, options.Temperature), logits);
        }
    }
}
