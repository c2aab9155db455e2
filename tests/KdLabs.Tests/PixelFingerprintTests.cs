using KdLabs.Data;
using KdLabs.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>
/// The dataset fingerprint must cover the pixels, not only the labels: caches keyed by it (teacher logits, trained
/// teachers) would otherwise be reused for images they were never computed on.
/// </summary>
public sealed class PixelFingerprintTests
{
    private static readonly Device Meta = new(DeviceType.META);

    private static readonly string[] Classes = ["a", "b"];

    private static readonly long[] LabelValues = [1, 0, 1, 0];

    private static InMemoryDataset Tiny(string name = "tiny", float changed = 0f)
    {
        var pixels = Enumerable.Range(0, 4 * 6).Select(i => i / 24f).ToArray();
        pixels[13] += changed;
        return new InMemoryDataset(name, tensor(pixels, [4, 1, 2, 3]), tensor(LabelValues), Classes);
    }

    [Fact]
    public void OneChangedPixelChangesTheFingerprint()
    {
        using var a = Tiny();
        using var b = Tiny(changed: 1e-3f);
        Assert.NotEqual(a.Fingerprint, b.Fingerprint);
    }

    [Fact]
    public void SamePixelsAndLabelsGiveTheSameFingerprint()
    {
        using var a = Tiny();
        using var b = Tiny();
        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.StartsWith("tiny:4:", a.Fingerprint);
    }

    [Fact]
    public void ShapeAndDtypeAreHashedNotJustBytes()
    {
        using var a = Tiny();
        using var reshaped = new InMemoryDataset("tiny", a.Features.reshape(4, 6).clone(), a.Labels.clone(), Classes);
        using var doubled = new InMemoryDataset("tiny", a.Features.to(ScalarType.Float64), a.Labels.clone(), Classes);
        Assert.NotEqual(a.Fingerprint, reshaped.Fingerprint);
        Assert.NotEqual(a.Fingerprint, doubled.Fingerprint);
    }

    [Fact]
    public void NonContiguousFeaturesHashAsTheirValues()
    {
        using var a = Tiny();
        // A transposed-back view has other strides but the same values, so it is the same data.
        using var strided = new InMemoryDataset("tiny", a.Features.reshape(4, 6).t().contiguous().t().reshape(4, 1, 2, 3), a.Labels.clone(), Classes);
        Assert.Equal(a.Fingerprint, strided.Fingerprint);
    }

    [Fact]
    public void TeacherLogitCacheRefusesSameLabelsWithOtherPixels()
    {
        using var original = Tiny();
        using var edited = Tiny(changed: 0.5f);
        using var cache = TeacherLogitCache.FromLogits(zeros(4, 2), original.Fingerprint, "teacher-0123456789ab");
        cache.CheckCompatible(original, null);
        var ex = Assert.Throws<InvalidOperationException>(() => cache.CheckCompatible(edited, null));
        Assert.Contains(original.Fingerprint, ex.Message);
        Assert.Contains(edited.Fingerprint, ex.Message);
        Assert.Contains("rebuild the cache", ex.Message);
    }

    [Fact]
    public void MovingToAnotherDeviceKeepsTheFingerprint()
    {
        var data = Tiny();
        string fingerprint = data.Fingerprint;
        using var meta = data.MoveTo(Meta);
        Assert.Equal(fingerprint, meta.Fingerprint);
    }

    [Fact]
    public void MovingBeforeTheFirstLookupStillGivesTheSameFingerprint()
    {
        using var reference = Tiny();
        using var moved = Tiny().MoveTo(Meta);
        Assert.Equal(reference.Fingerprint, moved.Fingerprint);
    }

    [Fact]
    public void SubsetsAndTakesGetTheirOwnFingerprint()
    {
        using var a = Tiny();
        using var b = Tiny(changed: 1f);
        using var takeA = a.Take(4);
        using var takeB = b.Take(4);
        // Same name, size and labels as each other: only the pixels tell them apart.
        Assert.Equal(takeA.Name, takeB.Name);
        Assert.NotEqual(takeA.Fingerprint, takeB.Fingerprint);
        using var reversedA = a.Subset("s", [3, 2, 1, 0]);
        using var reversedB = b.Subset("s", [3, 2, 1, 0]);
        Assert.NotEqual(reversedA.Fingerprint, reversedB.Fingerprint);
        using var again = a.Subset("s", [3, 2, 1, 0]);
        Assert.Equal(reversedA.Fingerprint, again.Fingerprint);
    }

    [Fact]
    public void FingerprintIsComputedOnceAndCached()
    {
        using var a = Tiny();
        Assert.Same(a.Fingerprint, a.Fingerprint);
    }
}
