using KdLabs.Infrastructure;
using static TorchSharp.torch;

namespace KdLabs.Data;

/// <summary>
/// Cuts an <see cref="InMemoryDataset"/> into mini-batches. The shuffle of epoch <c>e</c> is a
/// Fisher–Yates permutation drawn from <c>(seed, e)</c>: every epoch gets a new order, and the same
/// seed reproduces the whole sequence (TorchSharp's DataLoader with a fixed seed repeats one order).
/// </summary>
public static class BatchLoader
{
    /// <summary>The sample order for one epoch.</summary>
    public static long[] EpochOrder(int count, bool shuffle, int seed, int epoch)
    {
        var order = new long[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }
        if (shuffle)
        {
            var rng = new Random(SeedMixer.Mix(seed, epoch, 0x5EED));
            rng.Shuffle(order);
        }
        return order;
    }

    /// <summary>
    /// Yields the batches of one epoch. A batch's tensors are made when the enumerator moves to it, so they belong
    /// to the dispose scope open at that moment: a scope opened inside a <c>foreach</c> body opens too late for
    /// them. To free each batch with its own scope, open the scope before <c>MoveNext</c> (as
    /// the trainer does); a single batch taken with <c>First()</c> belongs to the scope around it.
    /// </summary>
    public static IEnumerable<Batch> Batches(InMemoryDataset data, int batchSize, bool shuffle, int seed, int epoch,
        IBatchAugmentation? augmentation = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        long[] order = EpochOrder(data.Count, shuffle, seed, epoch);
        for (int start = 0; start < order.Length; start += batchSize)
        {
            int n = Math.Min(batchSize, order.Length - start);
            var idx = tensor(order.AsSpan(start, n).ToArray(), device: data.Device);
            var x = data.Features.index_select(0, idx);
            if (augmentation is not null)
            {
                x = augmentation.Apply(x, SeedMixer.Mix(seed, epoch, start));
            }
            yield return new Batch(x, data.Labels.index_select(0, idx), idx);
        }
    }

    /// <summary>Number of batches per epoch.</summary>
    public static int BatchCount(int count, int batchSize) => (count + batchSize - 1) / batchSize;
}
