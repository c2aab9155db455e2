using KdLabs.Datasets;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Models;

/// <summary>
/// A fully connected ReLU network on flattened images, as in Hinton, Vinyals &amp; Dean (2015), §3:
/// the teacher is 784-1200-1200-10 (2,395,210 parameters), the student 784-800-800-10 (1,276,810).
/// Dropout on the hidden layers (the paper used it for the teacher) is optional.
/// </summary>
internal sealed class Mlp : Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> layers = new();
    private readonly Dropout? dropout;

    /// <summary>Builds the MLP with <paramref name="hidden"/> layer widths.</summary>
    public Mlp(int inputs, int[] hidden, int classes, double dropoutRate = 0, string name = "Mlp") : base(name)
    {
        int previous = inputs;
        foreach (int width in hidden)
        {
            layers.Add(Linear(previous, width));
            previous = width;
        }
        layers.Add(Linear(previous, classes));
        dropout = dropoutRate > 0 ? Dropout(dropoutRate) : null;
        RegisterComponents();
    }

    /// <summary>Hinton's teacher, 784-1200-1200-10; another <paramref name="input"/> shape or class count changes the first and last widths.</summary>
    public static Mlp Teacher(double dropoutRate = 0, ImageShape? input = null, int classes = 10) =>
        new((input ?? ImageShape.Mnist).Pixels, [1200, 1200], classes, dropoutRate, "mlp-teacher");

    /// <summary>Hinton's student, 784-800-800-10; another <paramref name="input"/> shape or class count changes the first and last widths.</summary>
    public static Mlp Student(double dropoutRate = 0, ImageShape? input = null, int classes = 10) =>
        new((input ?? ImageShape.Mnist).Pixels, [800, 800], classes, dropoutRate, "mlp-student");

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.flatten(1);
        for (int i = 0; i < layers.Count - 1; i++)
        {
            x = functional.relu(layers[i].forward(x));
            if (dropout is not null)
            {
                x = dropout.forward(x);
            }
        }
        return layers[^1].forward(x).MoveToOuterDisposeScope();
    }
}
