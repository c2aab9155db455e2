using KdLabs.Data;
using KdLabs.Training;
using Xunit;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>
/// The saved teacher logits are derived data: a file of the wrong length (cut short or with bytes appended), or garbled
/// at the same length, is computed again with a warning, never half-read, read with trailing bytes or trusted.
/// </summary>
public sealed class TeacherLogitCacheTests : IDisposable
{
    private static readonly string[] Classes = ["a", "b"];
    private readonly string root = TestData.TempDirectory();

    private static InMemoryDataset Tiny() =>
        new("tiny", tensor(Enumerable.Range(0, 4 * 6).Select(i => i / 24f).ToArray(), [4, 1, 2, 3]), tensor(new long[] { 1, 0, 1, 0 }), Classes);

    private static string LogitsFile(RunStore store, InMemoryDataset data) =>
        Path.Combine(store.DirectoryFor(TeacherLogitCache.KeyFor(null, "w", data, 2), "logits"), "logits.bin");

    [Theory]
    [InlineData(-5)] // cut short in the middle of the last value
    [InlineData(-28)] // the header and one value only
    [InlineData(-36)] // not even the header
    [InlineData(4)] // one value too many
    public void AFileOfTheWrongLengthIsComputedAgainWithAWarning(int delta) =>
        AssertComputedAgain((path, good) => File.WriteAllBytes(path, delta < 0 ? good[..(good.Length + delta)] : [.. good, .. new byte[delta]]), "computing them again");

    /// <summary>
    /// Garbled in place at the same length (a flipped byte in a logit): the length and shape checks pass, the content
    /// hash beside the file does not, so it is computed again with a warning naming it, and never trained on.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AFileGarbledAtTheSameLengthOrWithoutItsHashIsComputedAgain(bool dropHash) =>
        AssertComputedAgain((path, good) =>
        {
            if (dropHash)
            {
                File.Delete(Infrastructure.ContentHash.SidecarOf(path));
                return;
            }
            byte[] bad = [.. good];
            bad[8 + 4 * 3 + 2] ^= 0x40; // a middle byte of the fourth logit
            File.WriteAllBytes(path, bad);
        }, dropHash ? "no content hash" : "does not match its content hash");

    // Builds the cache, damages its file with damage(path, good bytes), and checks the next use warns naming the file
    // (with warning), computes the same logits again, rewrites the file whole, and the use after that reuses it.
    private void AssertComputedAgain(Action<string, byte[]> damage, string warning)
    {
        using var data = Tiny();
        using var teacher = nn.Sequential(nn.Flatten(), nn.Linear(6, 2));
        var store = new RunStore(root);
        using var built = TeacherLogitCache.GetOrBuild(store, null, teacher, "w", data, 2, _ => { });
        string path = LogitsFile(store, data);
        byte[] good = File.ReadAllBytes(path);
        Assert.Equal(8 + 4 * 4 * 2, good.Length);
        Assert.True(File.Exists(Infrastructure.ContentHash.SidecarOf(path)));
        damage(path, good);

        var logs = new List<string>();
        using var again = TeacherLogitCache.GetOrBuild(store, null, teacher, "w", data, 2, logs.Add);
        Assert.Contains(logs, l => l.Contains("warning", StringComparison.Ordinal) && l.Contains(path, StringComparison.Ordinal) && l.Contains(warning, StringComparison.Ordinal));
        Assert.DoesNotContain(logs, l => l.Contains("reusing", StringComparison.Ordinal));
        Assert.Equal(built.All.data<float>().ToArray(), again.All.data<float>().ToArray());
        Assert.Equal(good, File.ReadAllBytes(path));

        // The rewritten file is whole again and read back.
        logs.Clear();
        using var third = TeacherLogitCache.GetOrBuild(store, null, teacher, "w", data, 2, logs.Add);
        Assert.Contains(logs, l => l.Contains("reusing", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
