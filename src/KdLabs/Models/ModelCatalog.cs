using KdLabs.Datasets;
using static TorchSharp.torch;

namespace KdLabs.Models;

/// <summary>Names the kit's models so the CLI, notebooks and checkpoints can refer to them by string.</summary>
public static class ModelCatalog
{
    /// <summary>Model names accepted by <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cnn-teacher", "cnn-student", "cnn-bn-teacher", "mlp-teacher", "mlp-student"];

    /// <summary>
    /// Creates a model with weights initialised from <paramref name="seed"/>: the same name and seed
    /// give the same initial weights, so a baseline and a distilled student can start identical. The model takes
    /// <paramref name="input"/> images (default 1×28×28, a data set's <see cref="IImageClassificationDataset.InputShape"/>)
    /// and has <paramref name="classes"/> outputs; at the defaults the weights are those these names always had.
    /// <paramref name="inputDropout"/> (the MLPs' dropout on input pixels) draws nothing at build time, so it leaves them too.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Create(string name, int seed, double dropout = 0, ImageShape? input = null, int classes = 10, double inputDropout = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 2);
        if (inputDropout > 0 && !name.StartsWith("mlp-", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Input dropout applies to the MLPs; '{name}' has none.", nameof(inputDropout));
        }
        manual_seed(seed);
        return name switch
        {
            "cnn-teacher" => MnistCnn.Teacher(input, classes),
            "cnn-student" => MnistCnn.Student(input, classes),
            "cnn-bn-teacher" => new MnistBnCnn(input: input, classes: classes),
            "mlp-teacher" => Mlp.Teacher(dropout, input, classes, inputDropout),
            "mlp-student" => Mlp.Student(dropout, input, classes, inputDropout),
            _ => throw new ArgumentException($"Unknown model '{name}'. Known: {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
