using KdLabs.Datasets;
using KdLabs.Infrastructure;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Models;

/// <summary>
/// The two-conv MNIST network of the classic PyTorch example: conv 3×3 (c1) → ReLU → conv 3×3 (c2) →
/// ReLU → max-pool 2 → dropout 0.25 → fc (hidden) → ReLU → dropout 0.5 → fc 10. The teacher is
/// (32, 64, 128) with 1,199,882 parameters, the student (16, 32, 64) with 300,426.
/// Its features for distillation are the two ReLU'd convolution outputs, "conv1" (c1 × 26 × 26) and
/// "conv2" (c2 × 24 × 24). Another input shape (C×H×W) changes only the first convolution's input channels and
/// fc1's input width, c2 · ⌊(H − 4)/2⌋ · ⌊(W − 4)/2⌋.
/// </summary>
internal sealed class MnistCnn : Module<Tensor, Tensor>, IStagedModel, IFeatureModel
{
    private readonly Conv2d conv1;
    private readonly Conv2d conv2;
    private readonly Dropout dropout1;
    private readonly Linear fc1;
    private readonly Dropout dropout2;
    private readonly Linear fc2;
    private readonly bool fastCpu = Infrastructure.FastCpu.Enabled;

    /// <summary>Builds the network with the given channel and hidden widths for <paramref name="input"/> images (default 1×28×28).</summary>
    public MnistCnn(int channels1, int channels2, int hidden, int classes = 10, string name = "MnistCnn", ImageShape? input = null) : base(name)
    {
        var shape = input ?? ImageShape.Mnist;
        if (shape.Channels < 1 || shape.Height < 6 || shape.Width < 6)
        {
            throw new ArgumentOutOfRangeException(nameof(input), shape, "The CNN needs at least one channel and 6×6 pixels (two 3×3 convolutions, then a 2×2 pool).");
        }
        conv1 = Conv2d(shape.Channels, channels1, 3);
        conv2 = Conv2d(channels1, channels2, 3);
        dropout1 = Dropout(0.25);
        fc1 = Linear(channels2 * ((shape.Height - 4) / 2) * ((shape.Width - 4) / 2), hidden);
        dropout2 = Dropout(0.5);
        fc2 = Linear(hidden, classes);
        RegisterComponents();
        if (fastCpu)
        {
            // Opt-in (Infrastructure.FastCpu): same initial values, NHWC layout, so conv2 and the max-pool run channels-last.
            Infrastructure.FastCpu.UseChannelsLast(conv2);
        }
    }

    /// <summary>The teacher: conv 32, conv 64, fc 128, for <paramref name="input"/> images (default 1×28×28) and <paramref name="classes"/> classes.</summary>
    public static MnistCnn Teacher(ImageShape? input = null, int classes = 10) => new(32, 64, 128, classes, "cnn-teacher", input);

    /// <summary>The student: conv 16, conv 32, fc 64, for <paramref name="input"/> images (default 1×28×28) and <paramref name="classes"/> classes.</summary>
    public static MnistCnn Student(ImageShape? input = null, int classes = 10) => new(16, 32, 64, classes, "cnn-student", input);

    /// <inheritdoc />
    public IReadOnlyList<ModelStage> Stages() =>
    [
        new("conv1", conv1.parameters().ToList()),
        new("conv2", conv2.parameters().ToList()),
        new("fc1", fc1.parameters().ToList()),
        new("fc2", fc2.parameters().ToList()),
    ];

    /// <inheritdoc />
    public IReadOnlyList<string> FeatureNames { get; } = ["conv1", "conv2"];

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return Run(input, null).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public FeatureOutput ForwardWithFeatures(Tensor input)
    {
        using var scope = NewDisposeScope();
        var features = new Dictionary<string, Tensor>();
        var logits = Run(input, features).MoveToOuterDisposeScope();
        foreach (var f in features.Values)
        {
            f.MoveToOuterDisposeScope();
        }
        return new FeatureOutput(logits, features);
    }

    private Tensor Run(Tensor input, Dictionary<string, Tensor>? keep)
    {
        var a1 = functional.relu(conv1.forward(input));
        var a2 = functional.relu(conv2.forward(a1));
        if (keep is not null)
        {
            keep["conv1"] = a1;
            keep["conv2"] = a2;
        }
        if (fastCpu)
        {
            var x = functional.max_pool2d(a2, 2);
            x = Infrastructure.FastCpu.Dropout(x, 0.25, training).flatten(1);
            x = Infrastructure.FastCpu.Dropout(functional.relu(fc1.forward(x)), 0.5, training);
            return fc2.forward(x);
        }
        var pooled = ExactMaxPool.MaxPool2d(a2, 2);
        pooled = dropout1.forward(pooled).flatten(1);
        pooled = dropout2.forward(functional.relu(fc1.forward(pooled)));
        return fc2.forward(pooled);
    }
}
