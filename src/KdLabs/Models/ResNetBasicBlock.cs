using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Models;

/// <summary>
/// ResNet's basic block (He et al. 2016): conv3×3 → BN → ReLU → conv3×3 → BN, plus the identity, or a
/// strided 1×1 conv + BN (<c>downsample.0</c>, <c>downsample.1</c>) when the shape changes; then ReLU.
/// Field names match torchvision's <c>BasicBlock</c>, so state-dict keys do too.
/// </summary>
internal sealed class ResNetBasicBlock : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Conv2d conv2;
    private readonly BatchNorm2d bn2;
    private readonly Sequential? downsample;

    /// <summary>A block from <paramref name="inChannels"/> to <paramref name="outChannels"/> with the first conv's <paramref name="stride"/>.</summary>
    public ResNetBasicBlock(long inChannels, long outChannels, long stride = 1) : base("BasicBlock")
    {
        conv1 = Conv2d(inChannels, outChannels, 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(outChannels);
        conv2 = Conv2d(outChannels, outChannels, 3, stride: 1, padding: 1, bias: false);
        bn2 = BatchNorm2d(outChannels);
        if (stride != 1 || inChannels != outChannels)
        {
            downsample = Sequential(
                ("0", Conv2d(inChannels, outChannels, 1, stride: stride, bias: false)),
                ("1", BatchNorm2d(outChannels)));
        }
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = functional.relu(bn1.forward(conv1.forward(input)));
        x = bn2.forward(conv2.forward(x));
        var identity = downsample is null ? input : downsample.forward(input);
        return functional.relu(x.add_(identity)).MoveToOuterDisposeScope();
    }
}
