using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Methods;

/// <summary>Settings of FitNets.</summary>
internal sealed record FitNetsOptions
{
    /// <summary>The teacher's hint layer.</summary>
    public string HintLayer { get; init; } = "conv2";

    /// <summary>The student's guided layer, mapped to the hint's width by a 1×1 regressor.</summary>
    public string GuidedLayer { get; init; } = "conv2";

    /// <summary>Stage two's KD hard-label weight α.</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>Stage two's KD temperature T.</summary>
    public double Temperature { get; init; } = 4;

    /// <summary>Throws (marked as a setting: <see cref="Infrastructure.OptionsValidation"/>) when a layer name is empty, or α is outside [0, 1] or T out of range (as <see cref="KdLoss"/>).</summary>
    public void Validate() => Infrastructure.OptionsValidation.Run(() =>
    {
        MethodLayers.Check([HintLayer], nameof(HintLayer));
        MethodLayers.Check([GuidedLayer], nameof(GuidedLayer));
        KdLoss.Validate(Alpha, Temperature);
    });
}

/// <summary>FitNets: a hint stage (<see cref="HintObjective"/>, stage-one epochs), then KD on the whole student (the rest).</summary>
internal sealed class FitNetsMethod : IDistillationMethod
{
    /// <summary>Creates the method; <paramref name="options"/> null is the defaults.</summary>
    public FitNetsMethod(FitNetsOptions? options = null)
    {
        Settings = options ?? new FitNetsOptions();
        Settings.Validate();
    }

    /// <summary>Its settings.</summary>
    public FitNetsOptions Settings { get; }

    /// <inheritdoc />
    public string Key => "fitnets";

    /// <inheritdoc />
    public string Title => "FitNets (hint → KD)";

    /// <inheritdoc />
    public string Knowledge => "an intermediate feature map";

    /// <inheritdoc />
    public MethodPaper? Paper => new("Romero, Ballas, Kahou, Chassang, Gatta & Bengio", 2015, "FitNets: Hints for Thin Deep Nets");

    /// <inheritdoc />
    public object Options => Settings;

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => [new("hint", "stage 1: mean((teacher hint − regressor(student guided))²)"), new("kd", "stage 2: α·CE + (1 − α)·T²·KL")];

    /// <inheritdoc />
    public MethodPlan Plan(MethodContext context)
    {
        var student = context.NewStudent();
        context.SeedAdapters();
        var regressor = new HintRegressor(context.Channels(student, Settings.GuidedLayer), context.Channels(context.Teacher, Settings.HintLayer));
        // Not disposed with the stage: disposing a module disposes its children, and the student lives on.
        var adapted = new AdaptedStudent(student, new Dictionary<string, nn.Module<Tensor, Tensor>> { [HintObjective.RegressorName] = regressor });
        return new MethodPlan(student,
        [
            new MethodStage("hint", "hint stage", StageEpochs.StageOne, adapted, new HintObjective(context.FeatureTeacher(), Settings.HintLayer, Settings.GuidedLayer), [regressor]),
            new MethodStage("kd", "KD stage", StageEpochs.Rest, student, new DistillationObjective(new KdLoss(Settings.Alpha, Settings.Temperature), context.TeacherLogits[0])),
        ], adapted.AdapterParameterCount, []);
    }
}

/// <summary>
/// Stage one of FitNets (Romero et al. 2015): train the student up to its guided layer, and the regressor, to
/// reproduce the teacher's hint layer with <see cref="HintLoss"/>. Labels are not used; the layers above the
/// guided one get no gradient. Stage two is ordinary KD on the whole student.
/// The model must be an <see cref="AdaptedStudent"/> with a <see cref="HintRegressor"/> adapter called <see cref="RegressorName"/>.
/// </summary>
internal sealed class HintObjective(FeatureTeacher teacher, string hintLayer, string guidedLayer) : ITrainingObjective
{
    /// <summary>The adapter name of the regressor.</summary>
    public const string RegressorName = "hint";

    /// <inheritdoc />
    public string Description => $"FitNets hint stage: teacher {hintLayer} ← regressor(student {guidedLayer}), {teacher.Description}";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("fitnets-hint", new { HintLayer = hintLayer, GuidedLayer = guidedLayer, Teacher = teacher.RunIdentity });

    /// <inheritdoc />
    public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation)
    {
    }

    /// <inheritdoc />
    public StepResult Step(nn.Module<Tensor, Tensor> model, Batch batch)
    {
        var student = model as AdaptedStudent ?? throw new ArgumentException("The hint stage trains an AdaptedStudent that carries the regressor.", nameof(model));
        var s = student.ForwardWithFeatures(batch.Inputs);
        var t = teacher.Run(batch.Inputs);
        var regressor = (HintRegressor)student.Adapter(RegressorName);
        return new StepResult(HintLoss.Compute(t[hintLayer], s[guidedLayer], regressor), s.Logits);
    }
}
