using KdLabs.Infrastructure;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>
/// Weights read from a file are checked for NaN and infinities before anything trains or evaluates on them, so a
/// damaged file is refused with its name and tensor instead of surfacing later as a NaN loss blamed on the learning rate.
/// </summary>
public static class FiniteWeights
{
    /// <summary>Throws <see cref="DataFormatException"/> naming <paramref name="file"/> and the first tensor of <paramref name="model"/> that is not finite.</summary>
    public static void Require(nn.Module model, string file, string fix)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, tensor) in model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(model.named_buffers()))
        {
            if (tensor.is_floating_point() && !isfinite(tensor).all().item<bool>())
            {
                long bad = (~isfinite(tensor)).sum().item<long>();
                throw new DataFormatException(file, name, $"{bad:N0} of its {tensor.numel():N0} values are NaN or infinite", fix);
            }
        }
    }
}
