using KdLabs.Training;

namespace KdLabs.Methods;

/// <summary>
/// A logit method whose loss the learner wrote in a notebook cell (<see cref="LogitLoss"/>): it plugs in wherever the kit's
/// own logit methods do (the MNIST lab's <c>TrainMethod</c>, the zoo's <c>TrainMethod</c>), with the cached teacher logits.
/// Not in the <see cref="DistillationMethods"/> registry: it exists only in the notebook that defines it.
/// </summary>
public sealed class LearnerLogitMethod(string name, LogitLoss loss) : ILogitMethod
{
    /// <summary>The learner's name for it.</summary>
    public string Name { get; } = Training.LearnerName.Required(name, "my KD");

    /// <summary>The learner's loss.</summary>
    public LogitLoss Loss { get; } = loss ?? throw new ArgumentNullException(nameof(loss));

    /// <inheritdoc />
    public string Key => LearnerMethodKey.From(Name);

    /// <inheritdoc />
    public string Title => Name;

    /// <inheritdoc />
    public string Knowledge => "what your loss takes from the teacher's logits";

    /// <inheritdoc />
    public MethodPaper? Paper => null;

    /// <inheritdoc />
    public object Options => new { Name };

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => [new("total", $"{Name}(student logits, teacher logits, labels), written in a cell")];

    /// <inheritdoc />
    public ITrainingObjective Objective(ITeacherSignal teacher) => new LearnerLogitObjective(Name, Loss, teacher);

    /// <inheritdoc />
    public ILogitMethod WithSoftTargets(double alpha, double temperature) =>
        throw new NotSupportedException($"'{Name}' is your own loss: set α and T inside it (capture them in the lambda) rather than through the lab.");
}
