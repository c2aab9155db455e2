using KdLabs.Data;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Studio.Tests;

/// <summary>The studio's training subsets are views over the full set, equal to the copies they replace, and only the latest is held.</summary>
public sealed class PrefixSubsetsTests
{
    private static readonly string[] Classes = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    [Fact]
    public void ASubsetHoldsTheSameSamplesFingerprintAndLogitsAsTheCopyItReplaces()
    {
        using var full = Synthetic(50);
        using var logits = TeacherLogitCache.FromLogits(randn(50, 10, generator: new Generator(7)), full.Fingerprint, "teacher");
        using var subsets = new PrefixSubsets(full, logits, "teacher");
        using var copy = full.Take(20);

        var (train, rows) = subsets.Get(20);

        Assert.Equal(copy.Name, train.Name);
        Assert.Equal(copy.Count, train.Count);
        Assert.True(Identical(copy.Features, train.Features));
        Assert.True(Identical(copy.Labels, train.Labels));
        Assert.Equal(copy.Fingerprint, train.Fingerprint);
        Assert.Equal(train.Fingerprint, rows.DatasetFingerprint);
        Assert.Equal("teacher", rows.TeacherId);
        using var firstRows = logits.All.narrow(0, 0, 20);
        Assert.True(Identical(firstRows, rows.All));
        // The whole set is served as itself.
        Assert.Same(full, subsets.Get(50).Train);
        Assert.Same(logits, subsets.Get(60).Logits);
    }

    [Fact]
    public void ASubsetIsAViewNotACopy()
    {
        using var full = Synthetic(50);
        using var logits = TeacherLogitCache.FromLogits(zeros(50, 10), full.Fingerprint, "teacher");
        using var subsets = new PrefixSubsets(full, logits, "teacher");
        var (train, rows) = subsets.Get(10);

        // Writing through the full set shows in the subset: they share storage.
        using (var firstImage = full.Features.narrow(0, 0, 1))
        {
            firstImage.fill_(42f);
        }
        using (var firstLogits = logits.All.narrow(0, 0, 1))
        {
            firstLogits.fill_(-3f);
        }
        Assert.Equal(42f, train.Features[0, 0, 0, 0].item<float>());
        Assert.Equal(-3f, rows.All[0, 0].item<float>());
    }

    [Fact]
    public void OnlyTheLatestSubsetIsHeldAndEvictingOneLeavesTheFullSetIntact()
    {
        using var full = Synthetic(50);
        using var logits = TeacherLogitCache.FromLogits(randn(50, 10), full.Fingerprint, "teacher");
        using var before = full.Features.clone();
        var subsets = new PrefixSubsets(full, logits, "teacher");
        var (first, firstRows) = subsets.Get(10);
        Assert.Same(first, subsets.Get(10).Train);
        foreach (int size in new[] { 20, 30, 40, 45 })
        {
            subsets.Get(size);
            Assert.Equal(1, subsets.Held);
        }
        Assert.True(first.Features.IsInvalid && firstRows.All.IsInvalid, "an evicted subset's tensors are disposed");
        subsets.Dispose();
        Assert.Equal(0, subsets.Held);
        Assert.True(Identical(before, full.Features));
        Assert.Equal(50, (int)logits.All.shape[0]);
    }

    // Same shape and every element equal (floats compared exactly: bit-identical for these finite values).
    private static bool Identical(Tensor a, Tensor b)
    {
        using var same = a.eq(b).all();
        return a.shape.SequenceEqual(b.shape) && same.item<bool>();
    }

    private static InMemoryDataset Synthetic(int n) =>
        new("synthetic", rand(n, 1, 4, 4, generator: new Generator(1)), randint(0, 10, [n], generator: new Generator(2)), Classes);
}
