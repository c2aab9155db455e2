using TorchSharp;
using static TorchSharp.torch;

namespace KdLabs.Data;

/// <summary>
/// Translates each image by a random whole number of pixels in [−max, max] along both axes, filling
/// with the background value: the "jitter" Hinton et al. (2015) used for their MNIST nets. One
/// vectorised gather per batch, not one op per image.
/// </summary>
internal sealed class RandomShift(int maxShift, float background) : IBatchAugmentation
{
    /// <inheritdoc />
    public string Name => $"random shift ±{maxShift}px";

    /// <inheritdoc />
    public Tensor Apply(Tensor inputs, int seed)
    {
        long n = inputs.shape[0], c = inputs.shape[1], h = inputs.shape[2], w = inputs.shape[3];
        using var gen = new Generator((ulong)(uint)seed);
        // Drawn on the CPU generator and then moved: the same seed gives the same shifts on every device.
        var dy = randint(-maxShift, maxShift + 1, [n, 1, 1], generator: gen).to(inputs.device);
        var dx = randint(-maxShift, maxShift + 1, [n, 1, 1], generator: gen).to(inputs.device);
        var rows = arange(h, device: inputs.device).view(1, h, 1) - dy;
        var cols = arange(w, device: inputs.device).view(1, 1, w) - dx;
        var valid = (rows >= 0) & (rows < h) & (cols >= 0) & (cols < w);
        var flat = (rows.clamp(0, h - 1) * w + cols.clamp(0, w - 1)).view(n, 1, h * w).expand(n, c, h * w);
        var shifted = inputs.reshape(n, c, h * w).gather(2, flat).view(n, c, h, w);
        return where(valid.unsqueeze(1), shifted, torch.full_like(shifted, background));
    }
}
