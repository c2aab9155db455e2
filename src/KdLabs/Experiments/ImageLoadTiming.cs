namespace KdLabs.Experiments;

/// <summary>How the images were loaded: seconds for train + test, whether the cache served them, and the cache re-read time after a decode.</summary>
public sealed record ImageLoadTiming(double LoadSeconds, bool FromCache, double CacheReadSeconds, int Skipped)
{
    /// <summary>Decode time ÷ cache read time, when both were measured in this run.</summary>
    public double CacheSpeedup => FromCache ? double.NaN : LoadSeconds / CacheReadSeconds;
}
