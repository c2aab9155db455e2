namespace KdLabs.Datasets;

/// <summary>
/// A split a data set ships (<see cref="IImageClassificationDataset.Splits"/>). The MNISTs ship no validation split: theirs
/// is carved from <see cref="Train"/> by <see cref="ValidationSplit"/>.
/// </summary>
public enum DatasetSplit
{
    /// <summary>The training images.</summary>
    Train,

    /// <summary>The test images, for reporting only.</summary>
    Test,

    /// <summary>Shipped validation images (the chest X-ray folder's <c>val/</c>), for choosing settings without the test set.</summary>
    Validation,
}
