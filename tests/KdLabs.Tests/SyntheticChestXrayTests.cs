using KdLabs.Data;
using Xunit;

namespace KdLabs.Tests;

/// <summary>
/// Regenerating the synthetic chest X-ray set into a folder that holds another one: the old images do not join the new
/// set, and while (or if) the regeneration is unfinished the folder carries no manifest that would let it be reused.
/// </summary>
public sealed class SyntheticChestXrayTests
{
    private static int ImageCount(string root) =>
        new[] { "train", "val", "test" }.Sum(split => ImageFolderIndex.Discover(root).ClassCounts(split).Sum());

    [Fact]
    public void ASmallerSetWrittenOverALargerOneKeepsOnlyItsOwnImages()
    {
        string root = TestData.TempDirectory();
        SyntheticChestXray.Generate(root, 40, seed: 5, pixelSize: 32);
        var small = SyntheticChestXray.Generate(root, 20, seed: 5, pixelSize: 32);
        Assert.False(small.Reused);
        Assert.Equal(small.Counts["train"], ImageFolderIndex.Discover(root).ClassCounts("train"));
        Assert.Equal(20, ImageFolderIndex.Discover(root).ClassCounts("train").Sum());
        Assert.Equal(small.Counts.Values.Sum(c => c.Sum()), ImageCount(root));
    }

    [Fact]
    public void AnInterruptedRegenerationLeavesNoManifestSoTheSetIsNotReused()
    {
        string root = TestData.TempDirectory();
        var first = SyntheticChestXray.Generate(root, 20, seed: 5, pixelSize: 32);
        // A folder where one image of the new set must go makes the regeneration fail part-way, after other images of
        // the new size have replaced the old ones.
        string blocker = Path.Combine(root, "train", "PNEUMONIA", "synthetic-train-pneumonia-00003.jpeg");
        File.Delete(blocker);
        Directory.CreateDirectory(blocker);
        Assert.ThrowsAny<Exception>(() => SyntheticChestXray.Generate(root, 20, seed: 5, pixelSize: 48));
        Assert.False(File.Exists(Path.Combine(root, SyntheticChestXray.ManifestName)), "a half-written set must not carry a manifest");
        Assert.False(SyntheticChestXray.IsSynthetic(root));

        // Asked for the first settings again, the mixed folder is regenerated, not reused.
        Directory.Delete(blocker);
        var again = SyntheticChestXray.Generate(root, 20, seed: 5, pixelSize: 32);
        Assert.False(again.Reused);
        Assert.Equal(first.Counts.Values.Sum(c => c.Sum()), ImageCount(root));
    }
}
