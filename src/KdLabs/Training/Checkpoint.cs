using System.Text.Json;
using KdLabs.Data;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>What a checkpoint records besides the weights.</summary>
public sealed record CheckpointState(int Epoch, string OptionsFingerprint, string ModelSha256, List<EpochMetrics> History);

/// <summary>
/// A run's checkpoint folder: <c>model.bin</c> (weights), <c>optimizer.bin</c> (optimizer state) and
/// <c>state.json</c>, each written atomically. <c>state.json</c> is written last and holds the
/// weights' SHA-256, so an interrupted save leaves the previous checkpoint whole and usable.
/// </summary>
public static class Checkpoint
{
    private const string ModelFile = "model.bin";
    private const string OptimizerFile = "optimizer.bin";
    private const string StateFile = "state.json";

    /// <summary>Saves model, optimizer and state into <paramref name="directory"/>.</summary>
    public static void Save(string directory, nn.Module model, TorchSharp.Modules.OptimizerHelper? optimizer, CheckpointState state)
    {
        string modelPath = Path.Combine(directory, ModelFile);
        AtomicFile.Write(modelPath, tmp => model.save(tmp));
        if (optimizer is not null)
        {
            AtomicFile.Write(Path.Combine(directory, OptimizerFile), tmp => optimizer.save_state_dict(tmp));
        }
        var withHash = state with { ModelSha256 = MnistFiles.FileSha256(modelPath) };
        AtomicFile.WriteAllText(Path.Combine(directory, StateFile), JsonSerializer.Serialize(withHash, JsonOptions));
    }

    /// <summary>
    /// Reads the state in <paramref name="directory"/>, or null when there is no complete checkpoint.
    /// Throws when the weights do not match the recorded checksum.
    /// </summary>
    public static CheckpointState? ReadState(string directory)
    {
        string statePath = Path.Combine(directory, StateFile);
        string modelPath = Path.Combine(directory, ModelFile);
        if (!File.Exists(statePath) || !File.Exists(modelPath))
        {
            return null;
        }
        var state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(statePath), JsonOptions)
            ?? throw new DataFormatException(statePath, "state", "empty", "Delete the checkpoint folder to start over.");
        string actual = MnistFiles.FileSha256(modelPath);
        if (actual != state.ModelSha256)
        {
            throw new DataFormatException(modelPath, "SHA-256", $"{actual} does not match {state.ModelSha256} in {StateFile}",
                "The weights were changed or damaged after the checkpoint was written; delete the folder to start over.");
        }
        return state;
    }

    /// <summary>Loads the weights saved in <paramref name="directory"/>. Build any optimizer after this call.</summary>
    public static void Load(string directory, nn.Module model) => model.load(Path.Combine(directory, ModelFile));

    /// <summary>Loads the optimizer state saved in <paramref name="directory"/>, if any, into an optimizer built on the loaded model.</summary>
    public static void LoadOptimizer(string directory, TorchSharp.Modules.OptimizerHelper optimizer)
    {
        string optimizerPath = Path.Combine(directory, OptimizerFile);
        if (File.Exists(optimizerPath))
        {
            optimizer.load_state_dict(optimizerPath);
        }
    }

    internal static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
