using KdLabs.Models;
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
    public MethodPlan Plan(MethodContext context)
    {
        var student = context.NewStudent();
        var objective = new LearnerFeatureObjective(Name, Loss, context.FeatureTeacher());
        var adapters = Loss.Adapters;
        if (adapters.Count == 0)
        {
            return MethodPlan.SingleStage(student, objective);
        }
        // The wrapper puts the loss's modules in the optimizer and the checkpoint; they are the learner's, so the stage
        // lists none to dispose (disposing the wrapper would dispose the student with them).
        var adapted = new AdaptedStudent(student, adapters.Select((m, i) => (Key: $"learner{i}", Module: m)).ToDictionary(a => a.Key, a => a.Module));
        return new MethodPlan(student, [new MethodStage("main", null, StageEpochs.All, adapted, objective)], adapted.AdapterParameterCount, []);
    }
}
