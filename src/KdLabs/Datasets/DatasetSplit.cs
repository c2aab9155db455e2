namespace KdLabs.Datasets;

/// <summary>A split a data set ships. A validation split is carved from <see cref="Train"/> by <see cref="ValidationSplit"/>, never shipped.</summary>
public enum DatasetSplit
{
    /// <summary>The training images.</summary>
    Train,

    /// <summary>The test images, for reporting only.</summary>
    Test,
}
