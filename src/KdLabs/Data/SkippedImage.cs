namespace KdLabs.Data;

/// <summary>An image that could not be decoded and was left out of the data set, with the reason.</summary>
public sealed record SkippedImage(string Path, string Reason);
