using KdLabs.Data;
using KdLabs.Experiments;
using KdLabs.Infrastructure;
using KdLabs.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>
/// The run store and every cache built on it: two datasets with the same labels and one different pixel are two runs
/// in each (each test fails when the pixel fingerprint is left out of that cache's key); a folder holding another key is
/// refused; two concurrent requests for one run train it once.
/// </summary>
public sealed class RunStoreTests : IDisposable
{
    private static readonly string[] Classes = ["a", "b"];
    private readonly string root = Path.Combine(Path.GetTempPath(), $"kdlabs-runstore-{Guid.NewGuid():N}");

    // Same name, same labels; only pixel 13 differs when flipped.
    private static InMemoryDataset Tiny(bool flipped = false)
    {
        var pixels = Enumerable.Range(0, 4 * 6).Select(i => i / 24f).ToArray();
        if (flipped)
        {
            pixels[13] = 1 - pixels[13];
        }
        return new InMemoryDataset("tiny", tensor(pixels, [4, 1, 2, 3]), tensor(new long[] { 1, 0, 1, 0 }), Classes);
    }

    [Fact]
    public void TeacherStoreKeysTheTeacherByPixels()
    {
        using var a = Tiny();
        using var b = Tiny(flipped: true);
        var options = new TrainerOptions { Epochs = 1 };
        Assert.Equal(a.LabelArray(), b.LabelArray());
        Assert.NotEqual(TeacherStore.KeyFor("mlp-student", options, 0, a), TeacherStore.KeyFor("mlp-student", options, 0, b));
        Assert.NotEqual(TeacherStore.DirectoryFor("mlp-student", options, 0, a), TeacherStore.DirectoryFor("mlp-student", options, 0, b));
    }

    [Fact]
    public void SsldTeacherIsKeyedByTheLabelledSubsetsPixels()
    {
        // SsldLab.GetTeacher asks the teacher store for this model with these settings on its labelled subset.
        using var a = Tiny();
        using var b = Tiny(flipped: true);
        var options = new SsldOptions().Trainer(new SsldOptions().TeacherEpochs, 1, warmupCosine: false);
        Assert.NotEqual(TeacherStore.DirectoryFor("cnn-bn-teacher", options, 0, a), TeacherStore.DirectoryFor("cnn-bn-teacher", options, 0, b));
    }

    [Fact]
    public void ChestXrayTeacherIsKeyedByPixels()
    {
        using var a = Tiny();
        using var b = Tiny(flipped: true);
        using var test = Tiny();
        var options = new ChestXrayOptions();
        Assert.NotEqual(ChestXrayLab.TeacherKeyFor(options, a, test), ChestXrayLab.TeacherKeyFor(options, b, test));
        Assert.NotEqual(ChestXrayLab.TeacherKeyFor(options, a, test).Hash, ChestXrayLab.TeacherKeyFor(options, b, test).Hash);
    }

    [Fact]
    public void SoftTreeRunsAreKeyedByPixels()
    {
        using var a = Tiny();
        using var b = Tiny(flipped: true);
        using var evaluation = Tiny();
        var tree = new SoftTreeOptions { Depth = 2 };
        using var objective = SoftTreeObjective.FromLabels(tree);
        Assert.NotEqual(SoftTreeLab.TreeRunKey(tree, tree.ApplyTo(), a, evaluation, objective, null),
            SoftTreeLab.TreeRunKey(tree, tree.ApplyTo(), b, evaluation, objective, null));
    }

    [Fact]
    public void LogitCacheIsKeyedAndCheckedByPixels()
    {
        using var a = Tiny();
        using var b = Tiny(flipped: true);
        using var teacher = nn.Sequential(nn.Flatten(), nn.Linear(6, 2));
        var store = new RunStore(root);
        using var onA = TeacherLogitCache.GetOrBuild(store, null, teacher, "w", a, 2, _ => { });
        using var onB = TeacherLogitCache.GetOrBuild(store, null, teacher, "w", b, 2, _ => { });
        Assert.Equal(2, Directory.GetDirectories(root).Length);
        Assert.NotEqual(TeacherLogitCache.KeyFor(null, "w", a, 2), TeacherLogitCache.KeyFor(null, "w", b, 2));
        // The in-memory cache refuses the other set too.
        Assert.Throws<InvalidOperationException>(() => onA.CheckCompatible(b, null));
        var logs = new List<string>();
        using var again = TeacherLogitCache.GetOrBuild(store, null, teacher, "w", a, 2, logs.Add);
        Assert.Contains(logs, l => l.Contains("reusing", StringComparison.Ordinal));
        Assert.True(again.All.allclose(onA.All));
    }

    [Fact]
    public void AFolderHoldingAnotherKeyIsRefused()
    {
        var store = new RunStore(root);
        var wanted = RunKey.Create("teacher", "m", "d:1:aa", new TrainerOptions(), new SupervisedObjective().RunIdentity);
        var other = RunKey.Create("teacher", "m", "d:1:bb", new TrainerOptions(), new SupervisedObjective().RunIdentity);
        string dir = store.DirectoryFor(wanted, "m");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, RunStore.KeyFile), other.ToIndentedJson());
        var e = Assert.Throws<DataFormatException>(() => store.Run(wanted, "m", _ => 0));
        Assert.Contains("not the requested", e.Message, StringComparison.Ordinal);
        Assert.Contains(dir, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheKeyIsWrittenBesideTheArtifactAndChecked()
    {
        var store = new RunStore(root);
        var key = RunKey.Create("logits", "m", "d:1:aa", null, RunKey.Settings("x", new { T = 4.0004 }));
        string dir = store.Run(key, "m", d => d);
        Assert.Equal(key, RunKey.Parse(File.ReadAllText(Path.Combine(dir, RunStore.KeyFile))));
        Assert.Equal(dir, store.Run(key, "m", d => d));
    }

    [Fact]
    public void ConcurrentRequestsForOneRunTrainOnce()
    {
        var store = new RunStore(root);
        var key = RunKey.Create("teacher", "fake", "d:1:aa", new TrainerOptions(), new SupervisedObjective().RunIdentity);
        int trained = 0;
        string Get() => store.GetOrTrain(key, "fake",
            dir => File.Exists(Path.Combine(dir, "model.txt")) ? File.ReadAllText(Path.Combine(dir, "model.txt")) : null,
            dir =>
            {
                Interlocked.Increment(ref trained);
                Thread.Sleep(500);
                AtomicFile.WriteAllText(Path.Combine(dir, "model.txt"), "weights");
                return "weights";
            });
        var results = new string[4];
        var threads = Enumerable.Range(0, 4).Select(i => new Thread(() => results[i] = Get())).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(1, trained);
        Assert.All(results, r => Assert.Equal("weights", r));
    }

    public void Dispose()
    {
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
