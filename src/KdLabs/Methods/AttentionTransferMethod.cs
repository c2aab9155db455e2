using KdLabs.Losses;

namespace KdLabs.Methods;

/// <summary>Settings of attention transfer.</summary>
public sealed record AttentionTransferOptions
{
    /// <summary>Weight β of the attention term (the authors' code form of <see cref="AttentionTransferLoss"/>).</summary>
    public double Beta { get; init; } = 1000;

    /// <summary>Layers whose attention maps are matched.</summary>
    public IReadOnlyList<string> Layers { get; init; } = ["conv1", "conv2"];
}

/// <summary>Attention transfer: CE plus β times the distance of the layers' attention maps (<see cref="AttentionTransferObjective"/>).</summary>
public sealed class AttentionTransferMethod : IDistillationMethod
{
    /// <summary>Creates the method; <paramref name="options"/> null is the defaults.</summary>
    public AttentionTransferMethod(AttentionTransferOptions? options = null)
    {
        Settings = options ?? new AttentionTransferOptions();
        _ = new AttentionTransferLoss(Settings.Beta);
    }

    /// <summary>Its settings.</summary>
    public AttentionTransferOptions Settings { get; }

    /// <inheritdoc />
    public string Key => "at";

    /// <inheritdoc />
    public string Title => "attention transfer";

    /// <inheritdoc />
    public string Knowledge => "spatial attention maps";

    /// <inheritdoc />
    public MethodPaper? Paper => new("Zagoruyko & Komodakis", 2017,
        "Paying More Attention to Attention: Improving the Performance of Convolutional Neural Networks via Attention Transfer");

    /// <inheritdoc />
    public object Options => Settings;

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => [new("ce", "CE(y, s)"), new("at", "β·distance of the attention maps q = Σ_c A_c² / ‖·‖₂ per layer (AttentionTransferLoss, authors' code form)")];

    /// <inheritdoc />
    public MethodPlan Plan(MethodContext context)
    {
        var student = context.NewStudent();
        return MethodPlan.SingleStage(student, new AttentionTransferObjective(new AttentionTransferLoss(Settings.Beta), context.FeatureTeacher(), Settings.Layers));
    }
}
