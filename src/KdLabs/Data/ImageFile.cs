namespace KdLabs.Data;

/// <summary>One image of an image-folder data set: its path and the index of the class folder it sits in.</summary>
public sealed record ImageFile(string Path, int Label);
