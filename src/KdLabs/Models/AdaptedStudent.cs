using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Models;

/// <summary>
/// A student together with the small modules that exist only for training it (a FitNets regressor, FSP
/// connectors), so one optimizer and one checkpoint hold them all. <see cref="forward"/> is the student's
/// own: evaluation and deployment never see the adapters, and <see cref="Student"/> is what ships.
/// </summary>
internal sealed class AdaptedStudent : Module<Tensor, Tensor>, IFeatureModel
{
    private readonly Module<Tensor, Tensor> student;
    private readonly ModuleDict<Module<Tensor, Tensor>> adapters;

    /// <summary>Wraps <paramref name="student"/> (which must return features) and its named adapters.</summary>
    public AdaptedStudent(Module<Tensor, Tensor> student, IReadOnlyDictionary<string, Module<Tensor, Tensor>> adapters, string name = "AdaptedStudent") : base(name)
    {
        if (student is not IFeatureModel)
        {
            throw new ArgumentException($"{student.GetType().Name} does not return feature maps ({nameof(IFeatureModel)}); feature distillation needs them.", nameof(student));
        }
        this.student = student;
        this.adapters = new ModuleDict<Module<Tensor, Tensor>>();
        foreach (var (key, module) in adapters)
        {
            this.adapters.Add((key, module));
        }
        RegisterComponents();
    }

    /// <summary>The student alone, without the adapters.</summary>
    public Module<Tensor, Tensor> Student => student;

    /// <summary>The adapter called <paramref name="name"/>.</summary>
    public Module<Tensor, Tensor> Adapter(string name) => adapters.TryGetValue(name, out var m)
        ? m
        : throw new KeyNotFoundException($"No adapter '{name}'; this student has {string.Join(", ", adapters.keys())}.");

    /// <summary>Parameters of the adapters only: the training-time extra that the deployed student does not carry.</summary>
    public long AdapterParameterCount => adapters.parameters().Sum(p => p.numel());

    /// <inheritdoc />
    public IReadOnlyList<string> FeatureNames => ((IFeatureModel)student).FeatureNames;

    /// <inheritdoc />
    public FeatureOutput ForwardWithFeatures(Tensor input) => ((IFeatureModel)student).ForwardWithFeatures(input);

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => student.forward(input);
}
