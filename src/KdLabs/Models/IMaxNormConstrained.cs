namespace KdLabs.Models;

/// <summary>A model that can cap the L2 norm of its units' incoming weights (the max-norm constraint of dropout training).</summary>
internal interface IMaxNormConstrained
{
    /// <summary>Rescales, in place, every constrained unit's incoming weight vector whose L2 norm exceeds <paramref name="maxNorm"/> to that norm.</summary>
    void ApplyMaxNorm(double maxNorm);
}
