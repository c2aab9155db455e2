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

    /// <summary>
    /// The largest temperature accepted. Above it, softmax(z/T) is uniform to within float32's precision, so T²·KL
    /// measures rounding noise (at T = 1e9 it even comes out negative) instead of the teacher's knowledge.
    /// </summary>
    public const double MaxTemperature = 100;

    /// <summary>
    /// The smallest temperature accepted. Below it z/T overflows float32 for ordinary logits (T = 1e-300 turns every
    /// logit into ±∞ and the loss into NaN) while the soft targets are already one-hot to float precision.
    /// </summary>
    public const double MinTemperature = 0.01;

    /// <summary>Throws unless <see cref="MinTemperature"/> ≤ T ≤ <see cref="MaxTemperature"/>.</summary>
    public static void ValidateTemperature(double temperature)
    {
        if (!(temperature >= MinTemperature) || !(temperature <= MaxTemperature))
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature,
                $"The temperature T must be between {MinTemperature} and {MaxTemperature:0}, got {temperature} (below {MinTemperature} the logits divided by T overflow; T = 1 is the plain softmax; Hinton et al. used 2–20; above {MaxTemperature:0} the soft targets are uniform to float precision).");
        }
    }
}
