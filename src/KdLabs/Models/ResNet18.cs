using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Models;

/// <summary>
/// ResNet-18 (He et al. 2016, "Deep Residual Learning for Image Recognition") exactly as torchvision
/// builds it: conv1 7×7/2 → bn1 → ReLU → max-pool 3×3/2 → layer1..layer4 (two <see cref="ResNetBasicBlock"/>s
/// each, 64/128/256/512 channels) → global average pool → fc. Parameter names match torchvision's
/// and timm's <c>resnet18</c> state dicts (conv1.weight, layer1.0.conv1.weight, layer2.0.downsample.0.weight,
/// …, fc.bias), so their safetensors files load by name. 11,689,512 parameters with 1,000 classes,
/// 11,177,538 with 2. Initialisation follows torchvision: Kaiming-normal (fan-out, ReLU) convs, BN γ = 1, β = 0.
/// Other stage depths build the same family with more blocks, e.g. [2, 2, 2, 3] for the ImageNet network ML.NET ships as
/// "ResNet18" (<see cref="OnnxResNet"/>); their extra blocks continue torchvision's names (layer4.2.conv1.weight).
/// </summary>
public sealed class ResNet18 : Module<Tensor, Tensor>
{
    /// <summary>Width of the features the head sees.</summary>
    public const int FeatureCount = 512;

    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1;
    private readonly Sequential layer2;
    private readonly Sequential layer3;
    private readonly Sequential layer4;
    private readonly AdaptiveAvgPool2d avgpool;
    private Linear fc;

    /// <summary>torchvision's resnet18: two basic blocks in each of the four stages.</summary>
    public static IReadOnlyList<int> TorchvisionStageBlocks { get; } = [2, 2, 2, 2];

    /// <summary>
    /// Builds the network with a head for <paramref name="classes"/> classes (1,000 for ImageNet) and
    /// <paramref name="stageBlocks"/> basic blocks per stage (default: torchvision's 2, 2, 2, 2).
    /// </summary>
    public ResNet18(int classes = 1000, string name = "resnet18", IReadOnlyList<int>? stageBlocks = null) : base(name)
    {
        stageBlocks ??= TorchvisionStageBlocks;
        if (stageBlocks.Count != 4 || stageBlocks.Any(b => b < 1))
        {
            throw new ArgumentException($"A ResNet has 4 stages of at least one block each; got [{string.Join(", ", stageBlocks)}].", nameof(stageBlocks));
        }
        StageBlocks = stageBlocks.ToArray();
        conv1 = Conv2d(3, 64, 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNorm2d(64);
        maxpool = MaxPool2d(3, stride: 2, padding: 1);
        layer1 = Layer(64, 64, 1, stageBlocks[0]);
        layer2 = Layer(64, 128, 2, stageBlocks[1]);
        layer3 = Layer(128, 256, 2, stageBlocks[2]);
        layer4 = Layer(256, 512, 2, stageBlocks[3]);
        avgpool = AdaptiveAvgPool2d(1);
        fc = Linear(FeatureCount, classes);
        RegisterComponents();
        InitializeLikeTorchvision();
    }

    /// <summary>Basic blocks in each of the four stages.</summary>
    public IReadOnlyList<int> StageBlocks { get; }

    /// <summary>Number of output classes.</summary>
    public long Classes => fc.weight!.shape[0];

    /// <summary>True after <see cref="FreezeBackbone"/>: only fc trains, and the backbone's BN statistics stay fixed.</summary>
    public bool BackboneFrozen { get; private set; }

    /// <summary>
    /// Replaces the classifier with a fresh <c>Linear(512, classes)</c> (PyTorch's default init), e.g.
    /// 1,000 ImageNet classes → 2 for NORMAL/PNEUMONIA. The backbone is untouched.
    /// </summary>
    public void ReplaceHead(int classes)
    {
        var head = Linear(FeatureCount, classes);
        // register_module refuses an existing name; registering null first removes the old head.
        register_module("fc", null!);
        fc.Dispose();
        fc = head;
        register_module("fc", fc);
    }

    /// <summary>
    /// Feature extraction: every parameter but fc's stops needing gradients, and the backbone's batch
    /// norms stay in eval mode even while training, so the pretrained statistics are not overwritten
    /// by small chest X-ray batches. Full fine-tuning is simply not calling this.
    /// </summary>
    public void FreezeBackbone()
    {
        foreach (var (name, p) in named_parameters())
        {
            p.requires_grad = name.StartsWith("fc.", StringComparison.Ordinal);
        }
        BackboneFrozen = true;
        train(training);
    }

    /// <inheritdoc />
    public override void train(bool train = true)
    {
        base.train(train);
        if (BackboneFrozen && train)
        {
            foreach (var (name, child) in named_children())
            {
                if (name != "fc")
                {
                    child.eval();
                }
            }
        }
    }

    /// <summary>The 512 pooled features before the head.</summary>
    public Tensor Features(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = maxpool.forward(functional.relu(bn1.forward(conv1.forward(input))));
        x = layer4.forward(layer3.forward(layer2.forward(layer1.forward(x))));
        return avgpool.forward(x).flatten(1).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        return fc.forward(Features(input)).MoveToOuterDisposeScope();
    }

    private static Sequential Layer(long inChannels, long outChannels, long stride, int blocks) =>
        Sequential(Enumerable.Range(0, blocks).Select(i => ($"{i}", (Module<Tensor, Tensor>)(i == 0
            ? new ResNetBasicBlock(inChannels, outChannels, stride)
            : new ResNetBasicBlock(outChannels, outChannels, 1)))).ToArray());

    private void InitializeLikeTorchvision()
    {
        using var noGrad = no_grad();
        foreach (var module in modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    init.kaiming_normal_(conv.weight!, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
                    break;
                case BatchNorm2d bn:
                    init.ones_(bn.weight!);
                    init.zeros_(bn.bias!);
                    break;
            }
        }
    }
}
