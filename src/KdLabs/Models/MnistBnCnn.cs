using KdLabs.Datasets;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Models;

/// <summary>
/// The MNIST teacher CNN with batch norm after each convolution and no dropout: conv 3×3 (32) → BN → ReLU →
/// conv 3×3 (64) → BN → ReLU → max-pool 2 → fc 128 → ReLU → fc 10; 1,200,074 parameters. Used where the
/// teacher's batch-norm mode matters (SSLD labels with the teacher in train mode, i.e. batch statistics):
/// with no dropout, train and eval mode differ only in batch norm.
/// </summary>
internal sealed class MnistBnCnn : Module<Tensor, Tensor>, IStagedModel
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Linear fc1;
    private readonly Linear fc2;

    /// <summary>Builds the network for <paramref name="input"/> images (default 1×28×28) and <paramref name="classes"/> classes (the name is kept in checkpoints).</summary>
    public MnistBnCnn(string name = "cnn-bn-teacher", ImageShape? input = null, int classes = 10) : base(name)
    {
        var shape = input ?? ImageShape.Mnist;
        if (shape.Channels < 1 || shape.Height < 6 || shape.Width < 6)
        {
            throw new ArgumentOutOfRangeException(nameof(input), shape, "The CNN needs at least one channel and 6×6 pixels (two 3×3 convolutions, then a 2×2 pool).");
        }
        conv1 = Conv2d(shape.Channels, 32, 3);
        bn1 = BatchNorm2d(32);
        conv2 = Conv2d(32, 64, 3);
        bn2 = BatchNorm2d(64);
        fc1 = Linear(64 * ((shape.Height - 4) / 2) * ((shape.Width - 4) / 2), 128);
        fc2 = Linear(128, classes);
        RegisterComponents();
    }

    /// <inheritdoc />
    public IReadOnlyList<ModelStage> Stages() =>
    [
        new("conv1", [.. conv1.parameters(), .. bn1.parameters()]),
        new("conv2", [.. conv2.parameters(), .. bn2.parameters()]),
        new("fc1", fc1.parameters().ToList()),
        new("fc2", fc2.parameters().ToList()),
    ];

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = functional.relu(bn1.forward(conv1.forward(input)));
        x = functional.relu(bn2.forward(conv2.forward(x)));
        x = functional.max_pool2d(x, 2).flatten(1);
        return fc2.forward(functional.relu(fc1.forward(x))).MoveToOuterDisposeScope();
    }
}
