using KdLabs.Datasets;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Models;

/// <summary>
/// A fully connected ReLU network on flattened images, as in Hinton, Vinyals &amp; Dean (2015), §3:
/// the teacher is 784-1200-1200-10 (2,395,210 parameters), the student 784-800-800-10 (1,276,810).
/// Dropout on the inputs and on the hidden layers, and a max-norm cap on each hidden unit's incoming weights (the
/// regularisation of the paper's teacher, from Hinton et al. 2012), are optional.
/// </summary>
internal sealed class Mlp : Module<Tensor, Tensor>, IMaxNormConstrained
{
    private readonly ModuleList<Linear> layers = new();
    private readonly Dropout? dropout;
    private readonly Dropout? inputDropout;

    /// <summary>Builds the MLP with <paramref name="hidden"/> layer widths; <paramref name="inputDropoutRate"/> drops input pixels in training.</summary>
    public Mlp(int inputs, int[] hidden, int classes, double dropoutRate = 0, string name = "Mlp", double inputDropoutRate = 0) : base(name)
    {
        int previous = inputs;
        foreach (int width in hidden)
        {
            layers.Add(Linear(previous, width));
            previous = width;
        }
        layers.Add(Linear(previous, classes));
        // Dropout modules hold no weights and draw nothing when built: the initial weights and state dict stay those of the plain net.
        dropout = dropoutRate > 0 ? Dropout(dropoutRate) : null;
        inputDropout = inputDropoutRate > 0 ? Dropout(inputDropoutRate) : null;
        RegisterComponents();
    }

    /// <summary>Hinton's teacher, 784-1200-1200-10; another <paramref name="input"/> shape or class count changes the first and last widths.</summary>
    public static Mlp Teacher(double dropoutRate = 0, ImageShape? input = null, int classes = 10, double inputDropoutRate = 0) =>
        new((input ?? ImageShape.Mnist).Pixels, [1200, 1200], classes, dropoutRate, "mlp-teacher", inputDropoutRate);

    /// <summary>Hinton's student, 784-800-800-10; another <paramref name="input"/> shape or class count changes the first and last widths.</summary>
    public static Mlp Student(double dropoutRate = 0, ImageShape? input = null, int classes = 10, double inputDropoutRate = 0) =>
        new((input ?? ImageShape.Mnist).Pixels, [800, 800], classes, dropoutRate, "mlp-student", inputDropoutRate);

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.flatten(1);
        if (inputDropout is not null)
        {
            x = inputDropout.forward(x);
        }
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

    /// <summary>
    /// Rescales each hidden unit's incoming weight vector (a row of a hidden layer's weight) whose L2 norm exceeds
    /// <paramref name="maxNorm"/> down to that norm, in place on the weights' device; the output layer is left free, as in
    /// Hinton et al. (2012), "Improving neural networks by preventing co-adaptation of feature detectors".
    /// </summary>
    public void ApplyMaxNorm(double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        for (int i = 0; i < layers.Count - 1; i++)
        {
            var weight = layers[i].weight!;
            // c / max(‖w‖, c): 1 for rows inside the ball, c/‖w‖ for rows outside it.
            var norms = weight.norm(1, keepdim: true, p: 2);
            weight.mul_(norms.clamp_min(maxNorm).reciprocal().mul(maxNorm));
        }
    }
}
