using KdLabs.Infrastructure;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>
/// Weights read from a file are checked for NaN and infinities before anything trains or evaluates on them, so a
/// damaged file is refused with its name and tensor instead of surfacing later as a NaN loss blamed on the learning rate.
/// </summary>
internal static class FiniteWeights
{
    /// <summary>Throws <see cref="DataFormatException"/> naming <paramref name="file"/> and the first tensor of <paramref name="model"/> that is not finite.</summary>
    public static void Require(nn.Module model, string file, string fix)
    {
        if (FirstNonFinite(model) is { } bad)
        {
            throw new DataFormatException(file, bad.Name, $"{bad.Count:N0} of its {bad.Total:N0} values are NaN or infinite", fix);
        }
    }

    /// <summary>The first floating parameter or buffer of <paramref name="model"/> holding NaN or infinity, with how many of its values do; null when all are finite.</summary>
    internal static (string Name, long Count, long Total)? FirstNonFinite(nn.Module model)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, tensor) in model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(model.named_buffers()))
        {
            if (tensor.is_floating_point() && !isfinite(tensor).all().item<bool>())
            {
                return (name, (~isfinite(tensor)).sum().item<long>(), tensor.numel());
            }
        }
        return null;
    }
}
