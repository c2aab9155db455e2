using KdLabs.Data;

namespace KdLabs.Datasets;

/// <summary>A validation set carved from the training split: its last images, which training then leaves out.</summary>
internal static class ValidationSplit
{
    /// <summary>
    /// The last <paramref name="count"/> images of <paramref name="train"/>, named <c>{train}[start:]</c>; training should
    /// use only the first <c>train.Count − count</c>. Throws when that leaves no training image.
    /// </summary>
    public static InMemoryDataset Last(InMemoryDataset train, int count)
    {
        if (count < 1 || count >= train.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"A validation split of {count:N0} images must leave training images out of {train.Count:N0}: use 1 to {train.Count - 1:N0}.");
        }
        int start = train.Count - count;
        return train.Subset($"{train.Name}[{start}:]", Enumerable.Range(start, count).Select(i => (long)i).ToArray());
    }

    /// <summary>
    /// How many of the images <c>[start, start + count)</c> a model trained on the first <paramref name="trainedPrefix"/>
    /// images has seen: a teacher's accuracy on them is then partly on its own training images.
    /// </summary>
    public static int Overlap(int trainedPrefix, int start, int count) => Math.Clamp(trainedPrefix - start, 0, count);
}
