using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>A teacher from <see cref="TeacherStore"/>: the model (eval mode), the SHA-256 of its weights, its training history and its folder.</summary>
public sealed record StoredTeacher(nn.Module<Tensor, Tensor> Model, string Id, TrainingHistory History, string Directory)
{
    /// <summary>The teacher's run key: the parent of the students and logit caches made from it.</summary>
    public RunKey? Key { get; init; }
}

/// <summary>
/// Teachers trained once and kept in <see cref="RunStore.Teachers"/>, keyed by everything that shapes them (model, trainer
/// settings, dropout, the training set's pixels, device), so lessons, the CLI and tests that ask for the same teacher share
/// it. A complete checkpoint is loaded after its weights' SHA-256 is verified; an incomplete one is resumed.
/// </summary>
public static class TeacherStore
{
    /// <summary>The run key of the teacher these settings describe (input dropout named only when used, so older teachers keep their keys).</summary>
    public static RunKey KeyFor(string modelName, TrainerOptions options, double dropout, InMemoryDataset train, double inputDropout = 0) =>
        RunKey.Create("teacher", modelName, train.Fingerprint, options, new SupervisedObjective().RunIdentity,
            inputDropout > 0
                ? new { Dropout = dropout, InputDropout = inputDropout, Device = train.Device.type.ToString() }
                : new { Dropout = dropout, Device = train.Device.type.ToString() });

    /// <summary>The folder of the teacher these settings describe.</summary>
    public static string DirectoryFor(string modelName, TrainerOptions options, double dropout, InMemoryDataset train, double inputDropout = 0) =>
        RunStore.Teachers.DirectoryFor(KeyFor(modelName, options, dropout, train, inputDropout), modelName);

    /// <summary>
    /// The cached teacher, or a new one trained with <paramref name="options"/> (its seed sets the initial weights too) and cached.
    /// </summary>
    public static StoredTeacher GetOrTrain(string modelName, TrainerOptions options, double dropout, InMemoryDataset train, InMemoryDataset? test,
        ITrainingProgress progress, Action<string> log, string runName = "teacher", double inputDropout = 0)
    {
        var key = KeyFor(modelName, options, dropout, train, inputDropout);
        // Another process (a notebook, a parallel test run) may be filling the same entry: the store holds its lock.
        return RunStore.Teachers.Run(key, modelName, dir =>
        {
            var model = ModelCatalog.Create(modelName, options.Seed, dropout, inputDropout: inputDropout);
            var (history, id) = LoadOrTrain(dir, model, options, train, test, progress, log, runName);
            return new StoredTeacher(model, id, history, dir) { Key = key };
        });
    }

    /// <summary>
    /// Inside a store folder: loads the teacher's complete checkpoint into <paramref name="model"/> (logging that it is
    /// reused), or trains it with cross-entropy, resuming an interrupted run. Leaves the model in eval mode on the data's
    /// device; returns its history and the SHA-256 of its weights.
    /// </summary>
    public static (TrainingHistory History, string Id) LoadOrTrain(string dir, nn.Module<Tensor, Tensor> model, TrainerOptions options,
        InMemoryDataset train, InMemoryDataset? test, ITrainingProgress progress, Action<string> log, string runName)
    {
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
        return (history, state.ModelSha256);
    }
}
