using System.Text.Json;
using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Models;
using KdLabs.Training;

namespace KdLabs.Tests.Reliability;

/// <summary>Checkpoint generations: a damaged or half-written generation never costs the finished epochs.</summary>
[Collection(TorchRngCollection.Name)]
public class CheckpointGenerationTests
{
    private static InMemoryDataset Small() => MnistDataset.Load(train: true, TestData.MnistDirectory, 100);

    private static TrainerOptions Options(string dir, int epochs) => new() { Epochs = epochs, BatchSize = 50, Seed = 3, CheckpointDirectory = dir };

    private static string TrainedFolder(int epochs)
    {
        string dir = TestData.TempDirectory();
        using var data = Small();
        using var model = ModelCatalog.Create("mlp-student", 1);
        new Trainer(Options(dir, epochs), TrainingProgress.Silent, _ => { }).Fit(model, data, null, new SupervisedObjective(), "r");
        return dir;
    }

    [Fact]
    public void EachEpochIsANewGenerationAndOnlyTheLastTwoAreKept()
    {
        string dir = TrainedFolder(epochs: 3);
        var names = Directory.GetDirectories(dir).Select(d => Path.GetFileName(d)!).Order().ToArray();
        Assert.Equal(["gen-000002", "gen-000003"], names);
        var latest = Checkpoint.Find(dir)!;
        Assert.Equal("gen-000003", latest.Name);
        Assert.Equal(3, latest.State.Epoch);
        Assert.NotNull(latest.State.OptimizerSha256);
    }

    [Fact]
    public void ADamagedNewestGenerationFallsBackToThePreviousOneAndSaysSo()
    {
        string dir = TrainedFolder(epochs: 2);
        File.AppendAllText(Path.Combine(dir, "gen-000002", "optimizer.bin"), "x");
        var found = Checkpoint.Find(dir)!;
        Assert.Equal("gen-000001", found.Name);
        Assert.Equal(1, found.State.Epoch);
        Assert.Contains(found.Skipped, s => s.Contains("gen-000002", StringComparison.Ordinal) && s.Contains("SHA-256", StringComparison.Ordinal));
        Assert.Contains("gen-000002 skipped", Checkpoint.Describe(found, 2), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"Epoch\": 1, \"Options")]
    [InlineData("{}")]
    public void ATruncatedOrEmptyStateIsAClearErrorNotAJsonException(string content)
    {
        string dir = TrainedFolder(epochs: 1);
        File.WriteAllText(Path.Combine(dir, "gen-000001", "state.json"), content);
        var e = Assert.Throws<DataFormatException>(() => Checkpoint.Find(dir));
        Assert.Contains("state.json", e.Message, StringComparison.Ordinal);
        Assert.Contains("delete", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AStagingFolderOfADeadProcessIsRemovedAndNeverLoaded()
    {
        string dir = TrainedFolder(epochs: 1);
        // pid 2^22+1 is above Linux's pid_max default, so no live process has it.
        string abandoned = Path.Combine(dir, ".staging-4194305-0123456789abcdef");
        Directory.CreateDirectory(abandoned);
        File.WriteAllText(Path.Combine(abandoned, "model.bin"), "half");
        var found = Checkpoint.Find(dir)!;
        Assert.Equal("gen-000001", found.Name);
        Assert.False(Directory.Exists(abandoned));
    }

    [Fact]
    public void ACheckpointInTheOldSingleFolderFormatStillLoadsAndIsReplacedByGenerations()
    {
        string dir = TrainedFolder(epochs: 2);
        // Rebuild the pre-generation layout from epoch 1: the three files directly in the folder, no optimizer hash.
        Directory.Delete(Path.Combine(dir, "gen-000002"), recursive: true);
        string gen = Path.Combine(dir, "gen-000001");
        foreach (var f in new[] { "model.bin", "optimizer.bin" })
        {
            File.Move(Path.Combine(gen, f), Path.Combine(dir, f));
        }
        var old = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(Path.Combine(gen, "state.json")), Checkpoint.JsonOptions)! with { OptimizerSha256 = null };
        var json = JsonSerializer.Serialize(new { old.Epoch, old.OptionsFingerprint, old.ModelSha256, old.History }, Checkpoint.JsonOptions);
        File.WriteAllText(Path.Combine(dir, "state.json"), json);
        Directory.Delete(gen, recursive: true);

        var legacy = Checkpoint.Find(dir)!;
        Assert.Equal(dir, legacy.Directory);
        Assert.Equal(1, legacy.State.Epoch);

        using var data = Small();
        using var model = ModelCatalog.Create("mlp-student", 1);
        var logged = new List<string>();
        var history = new Trainer(Options(dir, 2), TrainingProgress.Silent, logged.Add).Fit(model, data, null, new SupervisedObjective(), "r");
        Assert.Equal(2, history.Epochs.Count);
        Assert.Contains(logged, l => l.Contains("resuming from", StringComparison.Ordinal) && l.Contains("epoch 1 of 2", StringComparison.Ordinal));
        Assert.False(File.Exists(Path.Combine(dir, "state.json")));
        Assert.Equal(2, Checkpoint.Find(dir)!.State.Epoch);

        // A damaged old-format checkpoint is refused with the file and the fix.
        string broken = TestData.TempDirectory();
        File.WriteAllText(Path.Combine(broken, "model.bin"), "x");
        File.WriteAllText(Path.Combine(broken, "state.json"), json);
        var e = Assert.Throws<DataFormatException>(() => Checkpoint.Find(broken));
        Assert.Equal("SHA-256", e.Field);
    }
}
