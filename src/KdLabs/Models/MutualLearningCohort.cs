using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Models;

/// <summary>
/// The K students of deep mutual learning (Zhang et al. 2018) as one module, so one optimizer steps them all
/// and one checkpoint holds them. <see cref="forward"/> is the first student's: the one evaluated and reported,
/// since it starts from the same weights as the kit's other students of that seed.
/// </summary>
internal sealed class MutualLearningCohort : Module<Tensor, Tensor>
{
    private readonly ModuleList<Module<Tensor, Tensor>> students;

    /// <summary>Groups two or more students.</summary>
    public MutualLearningCohort(IReadOnlyList<Module<Tensor, Tensor>> students, string name = "MutualLearningCohort") : base(name)
    {
        if (students.Count < 2)
        {
            throw new ArgumentException($"Mutual learning needs at least two students; got {students.Count}.", nameof(students));
        }
        this.students = new ModuleList<Module<Tensor, Tensor>>(students.ToArray());
        RegisterComponents();
    }

    /// <summary>The students, first one first.</summary>
    public IReadOnlyList<Module<Tensor, Tensor>> Students => students.ToList();

    /// <summary>Every student's logits for <paramref name="input"/>.</summary>
    public IReadOnlyList<Tensor> ForwardAll(Tensor input) => students.Select(s => s.forward(input)).ToList();

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => students[0].forward(input);
}
