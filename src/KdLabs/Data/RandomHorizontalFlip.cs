using TorchSharp;
using static TorchSharp.torch;

namespace KdLabs.Data;

/// <summary>
/// Mirrors each image left–right with probability <paramref name="probability"/>, drawn per sample
/// from the batch seed: torchvision's <c>RandomHorizontalFlip</c>, but one vectorised <c>where</c> over
/// the batch instead of a call per image.
/// </summary>
internal sealed class RandomHorizontalFlip(double probability = 0.5) : IBatchAugmentation
{
    /// <inheritdoc />
    public string Name => $"random horizontal flip p={probability}";

    /// <inheritdoc />
    public Tensor Apply(Tensor inputs, int seed)
    {
        using var gen = new Generator((ulong)(uint)seed);
        // Drawn on the CPU generator and then moved: the same seed gives the same flips on every device.
        var flip = rand([inputs.shape[0], 1, 1, 1], generator: gen).lt(probability).to(inputs.device);
        return where(flip, inputs.flip(3), inputs);
    }
}
