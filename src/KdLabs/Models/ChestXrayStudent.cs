using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Models;

/// <summary>
/// The walk-through's tiny student: one 3×3 conv with 4 filters (padding 1) → batch norm → ReLU →
/// 2×2 max-pool → one linear layer on the flattened 4 × N/2 × N/2 map. Parameters:
/// conv 3·4·9 + 4 = 112, BN 2·4 = 8, linear (4·(N/2)² + 1)·classes, i.e. 2N² + 122 for two classes:
/// <b>100,474 at N = 224</b> (the linear layer is 99.9 % of it), 18,554 at 96, 8,314 at 64.
/// </summary>
public sealed class ChestXrayStudent : Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;
    private readonly Linear fc;

    /// <summary>Builds the student for <paramref name="imageSize"/>-pixel square inputs (even).</summary>
    public ChestXrayStudent(int imageSize, int filters = 4, int classes = 2, string name = "xray-student") : base(name)
    {
        if (imageSize < 2 || imageSize % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, "The student needs an even image size (its 2×2 max-pool halves it).");
        }
        ImageSize = imageSize;
        conv = Conv2d(3, filters, 3, padding: 1);
        bn = BatchNorm2d(filters);
        fc = Linear((long)filters * (imageSize / 2) * (imageSize / 2), classes);
        RegisterComponents();
    }

    /// <summary>The input size the linear layer was built for.</summary>
    public int ImageSize { get; }

    /// <summary>Parameter count for an image size, without building the model: 2N² + 122 for 4 filters and 2 classes.</summary>
    public static long ParameterCount(int imageSize, int filters = 4, int classes = 2) =>
        3L * filters * 9 + filters + 2L * filters + ((long)filters * (imageSize / 2) * (imageSize / 2) + 1) * classes;

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = functional.relu(bn.forward(conv.forward(input)));
        x = functional.max_pool2d(x, 2).flatten(1);
        return fc.forward(x).MoveToOuterDisposeScope();
    }
}
