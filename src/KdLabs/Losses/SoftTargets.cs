using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace KdLabs.Losses;

/// <summary>
/// Temperature-softened class distributions, Hinton et al. (2015): q_i = exp(z_i/T) / Σ_j exp(z_j/T).
/// T = 1 is the ordinary softmax; larger T spreads probability onto the wrong classes, exposing how
/// similar the model finds them ("dark knowledge").
/// </summary>
public static class SoftTargets
{
    /// <summary>softmax(logits / T) over the last dimension.</summary>
    public static Tensor Probabilities(Tensor logits, double temperature)
    {
        ValidateTemperature(temperature);
        return functional.softmax(logits / temperature, -1);
    }

    /// <summary>log softmax(logits / T) over the last dimension, computed stably.</summary>
    public static Tensor LogProbabilities(Tensor logits, double temperature)
    {
        ValidateTemperature(temperature);
        return functional.log_softmax(logits / temperature, -1);
    }

    /// <summary>Throws unless T is a finite positive number.</summary>
    public static void ValidateTemperature(double temperature)
    {
        if (!(temperature > 0) || double.IsInfinity(temperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature,
                "The temperature T must be a finite number greater than 0 (T = 1 is the plain softmax; Hinton et al. used 2–20).");
        }
    }
}
