using TorchSharp;
using static TorchSharp.torch;

namespace KdLabs.Data;

/// <summary>
/// Per-channel normalisation x' = (x − mean_c) / std_c of [0, 1] pixels. <see cref="ImageNet"/> is the
/// torchvision convention (mean 0.485, 0.456, 0.406; std 0.229, 0.224, 0.225) that ImageNet-pretrained
/// backbones expect; a grey image is repeated into three channels first.
/// </summary>
public sealed record ImageNormalization(float[] Mean, float[] Std)
{
    /// <summary>torchvision's ImageNet statistics.</summary>
    public static ImageNormalization ImageNet { get; } = new([0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>Number of output channels.</summary>
    public int Channels => Mean.Length;

    /// <summary>A stable text for cache keys and reports.</summary>
    public string Key => $"mean={string.Join(",", Mean)};std={string.Join(",", Std)}";

    /// <summary>Turns N×size×size grey bytes into normalised N×C×size×size float32.</summary>
    public Tensor Apply(byte[] grey, int count, int size)
    {
        using var scope = NewDisposeScope();
        var g = torch.tensor(grey, [count, 1, size, size]).to_type(ScalarType.Float32).div_(255f);
        var mean = torch.tensor(Mean).view(1, Channels, 1, 1);
        var std = torch.tensor(Std).view(1, Channels, 1, 1);
        return g.expand(count, Channels, size, size).sub(mean).div_(std).MoveToOuterDisposeScope();
    }

    /// <summary>Undoes the normalisation of channel 0 back to [0, 1] grey, e.g. to show an image.</summary>
    public Tensor ToGrey(Tensor images) => images.select(1, 0).mul(Std[0]).add(Mean[0]).clamp(0, 1);
}
