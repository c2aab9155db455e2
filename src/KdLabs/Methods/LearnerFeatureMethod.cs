using KdLabs.Training;

namespace KdLabs.Methods;

/// <summary>
/// A feature method whose loss the learner wrote in a notebook cell (<see cref="IFeatureLoss"/>): the zoo trains it like its
/// own feature methods, the seed's usual student against the first teacher run on each batch.
/// </summary>
public sealed class LearnerFeatureMethod(string name, IFeatureLoss loss) : IDistillationMethod
{
    /// <summary>The learner's name for it.</summary>
    public string Name { get; } = Training.LearnerName.Required(name, "my AT");

    /// <summary>The learner's loss.</summary>
    public IFeatureLoss Loss { get; } = loss ?? throw new ArgumentNullException(nameof(loss));

    /// <inheritdoc />
    public string Key => LearnerMethodKey.From(Name);

    /// <inheritdoc />
    public string Title => Name;

    /// <inheritdoc />
    public string Knowledge => "what your loss takes from the teacher's feature maps";

    /// <inheritdoc />
    public MethodPaper? Paper => null;

    /// <inheritdoc />
    public object Options => new { Name };

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => [new("total", $"{Name}(student features, teacher features, labels), written in a cell")];

    /// <inheritdoc />
    public MethodPlan Plan(MethodContext context) =>
        MethodPlan.SingleStage(context.NewStudent(), new LearnerFeatureObjective(Name, Loss, context.FeatureTeacher()));
}
