namespace KdLabs.Data;

/// <summary>A loaded split and how it was loaded: from the cache or decoded, in how long, and which files were skipped.</summary>
public sealed record ImageSplitLoad(InMemoryDataset Data, IReadOnlyList<SkippedImage> Skipped, bool FromCache, double Seconds, string CachePath);
