using KdLabs.Models;
using KdLabs.Training;

namespace KdLabs.Methods;

/// <summary>Settings of soft-tree distillation: the tree, loss and penalty settings of <see cref="SoftTreeOptions"/> (defaults there).</summary>
internal sealed record SoftTreeMethodOptions
{
    /// <summary>Tree, loss, penalty, temperature and hard-label weight.</summary>
    public SoftTreeOptions Tree { get; init; } = new();

    /// <summary>Throws (marked as a setting) naming the first tree setting out of range: <see cref="SoftTreeOptions.Validate"/>.</summary>
    public void Validate() => Tree.Validate();
}

/// <summary>
/// Distilling a network into a soft decision tree (<see cref="SoftTreeObjective"/>): the tree's loss on
/// w·labels + (1 − w)·softmax(t/T), plus its balance penalty. Its student must be a <see cref="SoftDecisionTree"/>.
/// </summary>
internal sealed class SoftTreeMethod : IDistillationMethod
{
    /// <summary>Creates the method; <paramref name="options"/> null is the defaults.</summary>
    public SoftTreeMethod(SoftTreeMethodOptions? options = null)
    {
        Settings = options ?? new SoftTreeMethodOptions();
        Settings.Validate();
    }

    /// <summary>Its settings.</summary>
    public SoftTreeMethodOptions Settings { get; }

    /// <inheritdoc />
    public string Key => "soft-tree";

    /// <inheritdoc />
    public IReadOnlyList<string> Aliases => ["sdt"];

    /// <inheritdoc />
    public string Title => "soft decision tree (distilled)";

    /// <inheritdoc />
    public string Knowledge => "soft targets, into a tree";

    /// <inheritdoc />
    public MethodPaper? Paper => new("Frosst & Hinton", 2017, "Distilling a Neural Network Into a Soft Decision Tree");

    /// <inheritdoc />
    public StudentKind Student => StudentKind.SoftTree;

    /// <inheritdoc />
    public object Options => Settings;

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => [new("data", "w·L(onehot(y)) + (1 − w)·L(softmax(t/T)), no T²"), new("penalty", "λ·Σ_i 2^(−depth i)·balance penalty")];

    /// <summary>The objective distilling from <paramref name="teacher"/>; it owns its regulariser, so dispose it.</summary>
    public SoftTreeObjective Objective(ITeacherSignal teacher) => SoftTreeObjective.FromTeacher(Settings.Tree, teacher);

    /// <inheritdoc />
    public MethodPlan Plan(MethodContext context)
    {
        var student = context.NewStudent();
        if (student is not SoftDecisionTree)
        {
            throw new ArgumentException($"soft-tree trains a {nameof(SoftDecisionTree)}, but this lab's student is a {student.GetType().Name}; train it in the soft-tree lab (SoftTreeLab), whose student is a tree.");
        }
        return MethodPlan.SingleStage(student, Objective(context.TeacherLogits[0]));
    }
}
