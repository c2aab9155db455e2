using KdLabs.Losses;
using KdLabs.Training;

namespace KdLabs.Methods;

/// <summary>
/// Settings of Hinton KD, α and T: the one record every lab that distils with <see cref="KdLoss"/> embeds (the MNIST lab's
/// students, SSLD's "KD on labels" row, the chest X-ray lab's general loss, the zoo's "kd").
/// </summary>
public sealed record KdOptions
{
    /// <summary>Weight α of the hard-label cross-entropy (1 − α on the soft term).</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>Softmax temperature T of the soft term.</summary>
    public double Temperature { get; init; } = 4;

    /// <summary>Throws (marked as a setting: <see cref="Infrastructure.OptionsValidation"/>) when α is outside [0, 1] or T is not positive.</summary>
    public void Validate() => Infrastructure.OptionsValidation.Run(() => KdLoss.Validate(Alpha, Temperature));
}

/// <summary>Hinton KD: <see cref="KdLoss"/>, α·CE + (1 − α)·T²·KL(softmax(t/T) ‖ softmax(s/T)), from the first teacher's logits.</summary>
public sealed class KdMethod : ILogitMethod
{
    /// <summary>Creates the method; <paramref name="options"/> null is the defaults.</summary>
    public KdMethod(KdOptions? options = null)
    {
        Settings = options ?? new KdOptions();
        Settings.Validate();
    }

    /// <summary>Its settings.</summary>
    public KdOptions Settings { get; }

    /// <inheritdoc />
    public string Key => "kd";

    /// <inheritdoc />
    public string Title => "KD (Hinton)";

    /// <inheritdoc />
    public string Knowledge => "softened logits";

    /// <inheritdoc />
    public MethodPaper? Paper => new("Hinton, Vinyals & Dean", 2015, "Distilling the Knowledge in a Neural Network");

    /// <inheritdoc />
    public object Options => Settings;

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => [new("ce", "CE(y, s)"), new("soft", "T²·KL(softmax(t/T) ‖ softmax(s/T))"), new("total", "α·ce + (1 − α)·soft")];

    /// <inheritdoc />
    public ITrainingObjective Objective(ITeacherSignal teacher) => new DistillationObjective(new KdLoss(Settings.Alpha, Settings.Temperature), teacher);

    /// <summary>This method with <paramref name="settings"/>, e.g. a lab's α and T: <c>DistillationMethods.Kd.With(options.Kd).Objective(teacher)</c>.</summary>
    public KdMethod With(KdOptions settings) => new(settings);

    /// <inheritdoc />
    public ILogitMethod WithSoftTargets(double alpha, double temperature) => new KdMethod(Settings with { Alpha = alpha, Temperature = temperature });
}
