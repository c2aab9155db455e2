using System.Text.Json.Nodes;
using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Models;
using KdLabs.Training;

namespace KdLabs.Tests;

/// <summary>A checkpoint's state.json is checked for consistency before a run resumes from it.</summary>
[Collection(TorchRngCollection.Name)]
public class CheckpointStateTests
{
    private static TrainerOptions Options(string dir) => new() { Epochs = 3, BatchSize = 50, Seed = 7, CheckpointDirectory = dir };

    // A 1-epoch run of a 3-epoch schedule: one generation, whose state.json the test then edits by hand.
    private static string OneEpochCheckpoint()
    {
        using var data = MnistDataset.Load(train: true, TestData.MnistDirectory, 100);
        string dir = TestData.TempDirectory();
        using var model = ModelCatalog.Create("cnn-student", 1);
        // Two batches an epoch: dies in epoch 2, after the epoch-1 checkpoint was written.
        Assert.Throws<OperationCanceledException>(() => new Trainer(Options(dir), TrainingProgress.Silent)
            .Fit(model, data, null, new StopAt(3), "r"));
        Assert.Equal(1, Checkpoint.ReadState(dir)!.Epoch);
        return dir;
    }

    private static string EditState(string dir, Action<JsonObject> edit)
    {
        string path = Path.Combine(Checkpoint.Find(dir)!.Directory, "state.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(2)]
    public void AStateWhoseEpochDisagreesWithItsHistoryIsRefused(int? epoch)
    {
        string dir = OneEpochCheckpoint();
        string path = EditState(dir, json =>
        {
            if (epoch is { } e)
            {
                json["Epoch"] = e;
            }
            else
            {
                json.Remove("Epoch");
            }
        });

        var e = Assert.Throws<DataFormatException>(() => Checkpoint.ReadState(dir));
        Assert.Equal(path, e.FilePath);
        Assert.Equal("Epoch", e.Field);
        Assert.Contains("History", e.Message);
        Assert.Contains("delete", e.Message);

        // Resuming from it would have restarted at epoch Epoch + 1 and appended duplicate epochs to the history.
        using var data = MnistDataset.Load(train: true, TestData.MnistDirectory, 100);
        using var model = ModelCatalog.Create("cnn-student", 1);
        Assert.Throws<DataFormatException>(() => new Trainer(Options(dir), TrainingProgress.Silent).Fit(model, data, null, new SupervisedObjective(), "r"));
    }

    [Fact]
    public void TheRefusalOfTheOnlyGenerationKeepsTheStackTraceOfWhereItWasFound()
    {
        string dir = OneEpochCheckpoint();
        EditState(dir, json => json["OptionsFingerprint"] = null);
        var e = Assert.Throws<DataFormatException>(() => Checkpoint.ReadState(dir));
        // Rethrown by Find after it looked at every generation; the trace still starts where the state was checked.
        Assert.Contains("Checkpoint.Verify", e.StackTrace, StringComparison.Ordinal);
    }

    private sealed class StopAt(int step) : ITrainingObjective
    {
        private readonly SupervisedObjective inner = new();
        private int steps;

        public string Description => "stops";

        public JsonObject RunIdentity => RunKey.Settings("stops");

        public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation)
        {
        }

        public StepResult Step(TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor> model, Batch batch) =>
            ++steps == step ? throw new OperationCanceledException("simulated interruption") : inner.Step(model, batch);
    }
}
