using static TorchSharp.torch;

namespace KdLabs.Infrastructure;

/// <summary>
/// The opt-in fast CPU path of the MNIST CNNs: channels-last (NHWC) convolution weights, so libtorch's oneDNN
/// convolutions and the max-pool run on channels-last activations, and a dropout mask drawn as
/// <c>rand_like(x) &gt;= p</c> instead of libtorch's serial <c>bernoulli_</c>. Both change the numbers (convolution
/// sums in another order; another random stream for dropout), so the path is off unless
/// <see cref="Enabled"/> is set or the process starts with <c>KDLABS_FAST_CPU=1</c>; documented results were produced
/// with it off. <c>kdlabs bench</c> measures what it gains (docs/benchmarks.md). It is meant to become the default
/// once the documented results are re-run with it.
/// </summary>
internal static class FastCpu
{
    /// <summary>
    /// When true, MNIST CNNs created from then on use the fast path. Read when a model is built, so a model keeps
    /// the path it was created with.
    /// </summary>
    public static bool Enabled { get; set; } = Environment.GetEnvironmentVariable("KDLABS_FAST_CPU") is "1" or "true" or "on";

    /// <summary>A copy of a 4-d NCHW tensor laid out channels-last (strides N: HWC, C: 1, H: WC, W: C), same values.</summary>
    public static Tensor ToChannelsLast(Tensor x)
    {
        if (x.dim() != 4)
        {
            throw new ArgumentException($"channels-last needs a 4-d tensor, got {x.dim()} dimensions.", nameof(x));
        }
        long c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var y = empty_strided(x.shape, [h * w * c, 1, w * c, c], dtype: x.dtype, device: x.device);
        using (no_grad())
        {
            y.copy_(x);
        }
        return y;
    }

    /// <summary>Replaces a convolution's weight by a channels-last copy of it (same values; call before creating the optimizer).</summary>
    public static void UseChannelsLast(TorchSharp.Modules.Conv2d conv)
    {
        var w = ToChannelsLast(conv.weight!.detach());
        conv.weight = new TorchSharp.Modules.Parameter(w, requires_grad: true);
    }

    /// <summary>
    /// Inverted dropout with the mask drawn as <c>rand_like(x) &gt;= p</c> (one uniform per element, vectorised and
    /// parallel in libtorch) instead of <c>bernoulli_</c>; in eval mode, or with p = 0, returns <paramref name="x"/>.
    /// </summary>
    public static Tensor Dropout(Tensor x, double p, bool training)
    {
        if (!training || p == 0)
        {
            return x;
        }
        using var mask = rand_like(x).ge_(p);
        return x.mul(mask).mul_(1.0 / (1.0 - p));
    }
}
