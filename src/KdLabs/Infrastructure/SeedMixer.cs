namespace KdLabs.Infrastructure;

/// <summary>
/// Derives sub-seeds (per epoch, per batch) from the run seed with SplitMix64. Unlike
/// <see cref="HashCode.Combine{T1, T2}"/>, which .NET randomises per process, the result is the same
/// in every process and on every machine, so one seed reproduces a run across invocations.
/// </summary>
public static class SeedMixer
{
    /// <summary>A well-mixed 32-bit seed from the given parts.</summary>
    public static int Mix(params ReadOnlySpan<long> parts)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        foreach (long part in parts)
        {
            h = SplitMix(h ^ (ulong)part);
        }
        return (int)(h >> 33);
    }

    private static ulong SplitMix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
