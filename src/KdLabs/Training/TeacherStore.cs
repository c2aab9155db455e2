using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>A teacher from <see cref="TeacherStore"/>: the model (eval mode), the SHA-256 of its weights, its training history and its folder.</summary>
public sealed record StoredTeacher(nn.Module<Tensor, Tensor> Model, string Id, TrainingHistory History, string Directory);

/// <summary>
/// Teachers trained once and kept under the kit's cache folder, keyed by everything that shapes them (model, trainer
/// settings, dropout, training set), so lessons, the CLI and tests that ask for the same teacher share it. A complete
/// checkpoint is loaded after its weights' SHA-256 is verified; an incomplete one is resumed.
/// </summary>
public static class TeacherStore
{
    /// <summary>The folder of the teacher these settings describe.</summary>
    public static string DirectoryFor(string modelName, TrainerOptions options, double dropout, InMemoryDataset train)
    {
        // A teacher trained on a GPU differs from the CPU one in the last bits, so it gets its own entry; CPU keys are unchanged.
        string device = train.Device.type == DeviceType.CPU ? "" : $"|device={train.Device.type}";
        string key = $"{modelName}|{options.Fingerprint()}|dropout={dropout}|{train.Fingerprint}{device}";
        string hash = TextHash.Sha256(key)[..16];
        return Path.Combine(KdLabsPaths.CacheDirectory, "teachers", $"{modelName}-{hash}");
    }

    /// <summary>
    /// The cached teacher, or a new one trained with <paramref name="options"/> (its seed sets the initial weights too) and cached.
    /// </summary>
    public static StoredTeacher GetOrTrain(string modelName, TrainerOptions options, double dropout, InMemoryDataset train, InMemoryDataset? test,
        ITrainingProgress progress, Action<string> log, string runName = "teacher")
    {
        string dir = DirectoryFor(modelName, options, dropout, train);
        Directory.CreateDirectory(Path.GetDirectoryName(dir)!);
        // Another process (a notebook, a parallel test run) may be filling the same cache entry.
        using var cacheLock = FileLock.Acquire(dir + ".lock", TimeSpan.FromMinutes(30));
        var model = ModelCatalog.Create(modelName, options.Seed, dropout);
        var generation = Checkpoint.Find(dir);
        var state = generation?.State;
        TrainingHistory history;
        if (generation is not null && state!.Epoch == options.Epochs)
        {
            // Checkpoints are device-independent: load onto the CPU, then follow the data to its device.
            generation.Load(model);
            model.to(train.Device);
            history = new TrainingHistory(runName, state.History);
            log($"{runName}: reusing {Checkpoint.Describe(generation, options.Epochs)}");
        }
        else
        {
            history = new Trainer(options with { CheckpointDirectory = dir }, progress, log).Fit(model, train, test, new SupervisedObjective(), runName);
            state = Checkpoint.ReadState(dir)!;
        }
        model.eval();
        return new StoredTeacher(model, state.ModelSha256, history, dir);
    }
}
