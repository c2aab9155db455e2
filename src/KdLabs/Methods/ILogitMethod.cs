using KdLabs.Training;

namespace KdLabs.Methods;

/// <summary>
/// A single-stage method that needs nothing from its teacher but logits, so any lab with a teacher signal (cached or
/// live) can build its objective directly, without a <see cref="MethodContext"/>.
/// </summary>
public interface ILogitMethod : IDistillationMethod
{
    /// <summary>The objective distilling from <paramref name="teacher"/>.</summary>
    ITrainingObjective Objective(ITeacherSignal teacher);

    /// <summary>
    /// This method with its hard-label weight α and temperature T set, for labs that sweep them (e.g. distill mnist's
    /// α and T); a method without one of them throws, naming it.
    /// </summary>
    ILogitMethod WithSoftTargets(double alpha, double temperature);

    MethodPlan IDistillationMethod.Plan(MethodContext context)
    {
        var student = context.NewStudent();
        return MethodPlan.SingleStage(student, Objective(context.TeacherLogits[0]));
    }
}
