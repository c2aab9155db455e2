using static TorchSharp.torch;

namespace KdLabs.Course;

/// <summary>
/// Runs a learner's function for an "implement it" check: random inputs drawn from a fixed seed (so a verdict repeats),
/// a function that is still the placeholder (<see cref="NotImplementedException"/>) read as "not answered yet", and any
/// other exception turned into a sentence naming it, so the notebook keeps running.
/// </summary>
internal static class ImplementationProbe
{
    /// <summary>batch × classes logits, spread like a trained network's (a few units), from a private generator.</summary>
    public static Tensor Logits(int seed, long batch = 16, long classes = 10, double scale = 3)
    {
        var random = new Random(seed);
        var values = Enumerable.Range(0, (int)(batch * classes)).Select(_ => (float)(scale * Gaussian(random))).ToArray();
        return tensor(values, [batch, classes]);
    }

    /// <summary>Uniform values in [lo, hi) of the given shape, from a private generator.</summary>
    public static Tensor Uniform(int seed, long[] shape, double lo, double hi)
    {
        var random = new Random(seed);
        long n = shape.Aggregate(1L, (a, b) => a * b);
        return tensor(Enumerable.Range(0, (int)n).Select(_ => (float)(lo + (hi - lo) * random.NextDouble())).ToArray(), shape);
    }

    /// <summary>Integer labels in [0, classes).</summary>
    public static Tensor Labels(int seed, long batch = 16, int classes = 10)
    {
        var random = new Random(seed);
        return tensor(Enumerable.Range(0, (int)batch).Select(_ => (long)random.Next(classes)).ToArray());
    }

    /// <summary>
    /// Calls <paramref name="call"/>; on success returns its result and null, otherwise null and the message for the learner
    /// (<paramref name="notAnswered"/> for the placeholder).
    /// </summary>
    public static (Tensor? Result, string? Problem) Run(Func<Tensor?> call, string notAnswered)
    {
        try
        {
            var result = call();
            return result is null ? (null, "your function returned null; return a tensor.") : (result, null);
        }
        catch (NotImplementedException)
        {
            return (null, notAnswered);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return (null, $"your function threw {e.GetType().Name}: {e.Message}");
        }
    }

    /// <summary>True when both have the same shape and agree to <paramref name="tolerance"/> relative to the reference's size (NaN never agrees).</summary>
    public static bool Agrees(Tensor mine, Tensor reference, double tolerance = 1e-5) =>
        mine.shape.SequenceEqual(reference.shape) && MaxDifference(mine, reference) <= tolerance * Math.Max(1, reference.abs().max().to_type(ScalarType.Float64).item<double>());

    /// <summary>The largest absolute difference (shapes must match), +∞ when either holds a NaN.</summary>
    public static double MaxDifference(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var d = (a.detach().to_type(ScalarType.Float64) - b.detach().to_type(ScalarType.Float64)).abs();
        return d.isnan().any().item<bool>() ? double.PositiveInfinity : d.max().item<double>();
    }

    /// <summary>The reason of the first candidate (a known mistake computed on the same inputs) that <paramref name="mine"/> agrees with, or null.</summary>
    public static string? FirstMatch(Tensor mine, IEnumerable<(string Why, Tensor Value)> candidates) =>
        candidates.FirstOrDefault(c => c.Value.shape.SequenceEqual(mine.shape) && Agrees(mine, c.Value)).Why;

    /// <summary>The shape as "[a, b]".</summary>
    public static string Shape(Tensor t) => $"[{string.Join(", ", t.shape)}]";

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
