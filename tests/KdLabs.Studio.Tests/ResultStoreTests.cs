using KdLabs.Infrastructure;

namespace KdLabs.Studio.Tests;

/// <summary>
/// The Studio's saved results are verified by content: a result file garbled in place at the same length (an accuracy
/// edited, a flipped digit) or without its hash is not served for its setting; it is recomputed, with a warning naming it.
/// </summary>
public sealed class ResultStoreTests : IDisposable
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "kdlabs-results-" + Guid.NewGuid().ToString("N")[..8]);

    private static StudentResult Result(string key) =>
        new(key, "cnn-student", "hinton", 0.5, 4, 1, 600, 1, 0.7412, 0.7412, 1, 3.5, [[0.1f, 0.2f]], []);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AResultGarbledAtTheSameLengthOrWithoutItsHashIsNotServed(bool dropHash)
    {
        var store = new ResultStore(root);
        store.Put(Result("k1"));
        store.Put(Result("k2"));
        string path = Path.Combine(root, "k1.json");
        string text = File.ReadAllText(path);
        if (dropHash)
        {
            File.Delete(ContentHash.SidecarOf(path));
        }
        else
        {
            Assert.Contains("0.7412", text, StringComparison.Ordinal);
            File.WriteAllText(path, text.Replace("0.7412", "0.9999", StringComparison.Ordinal)); // same length, other accuracy
        }

        var logs = new List<string>();
        var reloaded = new ResultStore(root);
        reloaded.LoadSaved(logs.Add);
        Assert.Null(reloaded.Get("k1"));
        Assert.NotNull(reloaded.Get("k2"));
        Assert.Contains(logs, l => l.Contains(path, StringComparison.Ordinal) && l.Contains("computing it again", StringComparison.Ordinal));

        // Recomputed and stored again: verified on the next start.
        reloaded.Put(Result("k1"));
        var third = new ResultStore(root);
        third.LoadSaved(_ => { });
        Assert.Equal(0.7412, third.Get("k1")!.TestAccuracy);
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
