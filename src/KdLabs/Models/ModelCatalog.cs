using static TorchSharp.torch;

namespace KdLabs.Models;

/// <summary>Names the kit's models so the CLI, notebooks and checkpoints can refer to them by string.</summary>
public static class ModelCatalog
{
    /// <summary>Model names accepted by <see cref="Create"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cnn-teacher", "cnn-student", "cnn-bn-teacher", "mlp-teacher", "mlp-student"];

    /// <summary>
    /// Creates a model with weights initialised from <paramref name="seed"/>: the same name and seed
    /// give the same initial weights, so a baseline and a distilled student can start identical.
    /// </summary>
    public static nn.Module<Tensor, Tensor> Create(string name, int seed, double dropout = 0)
    {
        manual_seed(seed);
        return name switch
        {
            "cnn-teacher" => MnistCnn.Teacher(),
            "cnn-student" => MnistCnn.Student(),
            "cnn-bn-teacher" => new MnistBnCnn(),
            "mlp-teacher" => Mlp.Teacher(dropout),
            "mlp-student" => Mlp.Student(dropout),
            _ => throw new ArgumentException($"Unknown model '{name}'. Known: {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}
