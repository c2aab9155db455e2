using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Methods;

/// <summary>Settings of FitNets.</summary>
public sealed record FitNetsOptions
{
    /// <summary>The teacher's hint layer.</summary>
    public string HintLayer { get; init; } = "conv2";

    /// <summary>The student's guided layer, mapped to the hint's width by a 1×1 regressor.</summary>
    public string GuidedLayer { get; init; } = "conv2";

    /// <summary>Stage two's KD hard-label weight α.</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>Stage two's KD temperature T.</summary>
    public double Temperature { get; init; } = 4;
}

/// <summary>FitNets: a hint stage (<see cref="HintObjective"/>, stage-one epochs), then KD on the whole student (the rest).</summary>
public sealed class FitNetsMethod : IDistillationMethod
{
    /// <summary>Creates the method; <paramref name="options"/> null is the defaults.</summary>
    public FitNetsMethod(FitNetsOptions? options = null)
    {
        Settings = options ?? new FitNetsOptions();
        _ = new KdLoss(Settings.Alpha, Settings.Temperature);
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
