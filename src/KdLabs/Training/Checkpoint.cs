using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using KdLabs.Data;
using KdLabs.Infrastructure;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>What a checkpoint records besides the weights. <paramref name="OptimizerSha256"/> is null in checkpoints written before it was recorded.</summary>
internal sealed record CheckpointState(int Epoch, string OptionsFingerprint, string ModelSha256, List<EpochMetrics> History, string? OptimizerSha256 = null);

/// <summary>One complete, hash-verified checkpoint generation: its folder, its state and what was skipped to find it.</summary>
/// <param name="Directory">The generation's folder (holding <c>model.bin</c>, <c>optimizer.bin</c>, <c>state.json</c>).</param>
/// <param name="State">Its state, weights verified against <see cref="CheckpointState.ModelSha256"/>.</param>
/// <param name="Skipped">Newer generations passed over, each with why (damaged after writing).</param>
internal sealed record CheckpointGeneration(string Directory, CheckpointState State, IReadOnlyList<string> Skipped)
{
    /// <summary>The generation's name, e.g. <c>gen-000003</c>.</summary>
    public string Name => Path.GetFileName(Directory);

    /// <summary>Loads the weights of this generation. Build any optimizer after this call.</summary>
    public void Load(nn.Module model)
    {
        string path = Path.Combine(Directory, Checkpoint.ModelFile);
        model.load(path);
        FiniteWeights.Require(model, path, $"Delete {Path.GetDirectoryName(Directory)} to train this run again.");
    }

    /// <summary>Loads this generation's optimizer state, if it has one, into an optimizer built on the loaded model.</summary>
    public void LoadOptimizer(TorchSharp.Modules.OptimizerHelper optimizer)
    {
        string path = Path.Combine(Directory, Checkpoint.OptimizerFile);
        if (File.Exists(path))
        {
            optimizer.load_state_dict(path);
        }
    }
}

/// <summary>
/// A run's checkpoint folder, atomic as a whole. Each save writes a complete new generation (<c>model.bin</c>,
/// <c>optimizer.bin</c>, then <c>state.json</c> with both files' SHA-256) into a hidden staging folder beside the
/// old one, flushes it to disk and publishes it with one directory rename to <c>gen-NNNNNN</c>; the previous
/// generation is kept as a fallback. A kill at any moment therefore leaves either the old or the new generation
/// whole. Reading takes the newest generation whose hashes verify, names any newer one it had to skip, and removes
/// staging folders left by dead processes. Folders written before generations existed (the three files directly
/// in the folder) still load when their hash verifies.
/// </summary>
internal static class Checkpoint
{
    internal const string ModelFile = "model.bin";
    internal const string OptimizerFile = "optimizer.bin";
    internal const string StateFile = "state.json";
    private const string GenerationPrefix = "gen-";
    private const string StagingPrefix = ".staging-";
    private const int GenerationsKept = 2;

    // Lets the random-kill test widen the window between a generation's files; unset (0) everywhere else.
    private static readonly int TestPauseMs =
        int.TryParse(Environment.GetEnvironmentVariable("KDLABS_TEST_CHECKPOINT_PAUSE_MS"), CultureInfo.InvariantCulture, out int ms) ? ms : 0;

    /// <summary>Saves model, optimizer and state into <paramref name="directory"/> as a new generation.</summary>
    public static void Save(string directory, nn.Module model, TorchSharp.Modules.OptimizerHelper? optimizer, CheckpointState state)
    {
        Directory.CreateDirectory(directory);
        string staging = Path.Combine(directory, $"{StagingPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            string modelPath = Path.Combine(staging, ModelFile);
            model.save(modelPath);
            Flush(modelPath);
            Pause();
            string? optimizerSha = null;
            if (optimizer is not null)
            {
                string optimizerPath = Path.Combine(staging, OptimizerFile);
                optimizer.save_state_dict(optimizerPath);
                Flush(optimizerPath);
                optimizerSha = FileHash.Sha256(optimizerPath);
                Pause();
            }
            var withHash = state with { ModelSha256 = FileHash.Sha256(modelPath), OptimizerSha256 = optimizerSha };
            string statePath = Path.Combine(staging, StateFile);
            File.WriteAllText(statePath, JsonSerializer.Serialize(withHash, JsonOptions));
            Flush(statePath);
            Pause();
            Publish(directory, staging);
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
        Prune(directory);
    }

    /// <summary>
    /// The newest complete generation in <paramref name="directory"/> whose hashes verify, or null when there is none.
    /// Throws <see cref="DataFormatException"/> when generations exist but none verifies (nothing usable is left).
    /// </summary>
    public static CheckpointGeneration? Find(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return null;
        }
        RemoveAbandonedStaging(directory);
        var skipped = new List<string>();
        DataFormatException? newestFault = null;
        foreach (var (_, dir) in Generations(directory).OrderByDescending(g => g.Number))
        {
            try
            {
                return new CheckpointGeneration(dir, Verify(dir, legacy: false), skipped);
            }
            catch (DataFormatException e)
            {
                newestFault ??= e;
                skipped.Add($"{Path.GetFileName(dir)} skipped: {e.Message}");
            }
        }
        if (newestFault is not null)
        {
            // Rethrown after the older generations were tried too: keep the trace of where it was first thrown.
            ExceptionDispatchInfo.Capture(newestFault).Throw();
        }
        // A folder from before generations: the three files directly inside it.
        if (File.Exists(Path.Combine(directory, StateFile)) && File.Exists(Path.Combine(directory, ModelFile)))
        {
            return new CheckpointGeneration(directory, Verify(directory, legacy: true), skipped);
        }
        return null;
    }

    /// <summary>
    /// Reads the state of the newest complete generation in <paramref name="directory"/>, or null when there is no checkpoint.
    /// Throws when the weights do not match the recorded checksum.
    /// </summary>
    public static CheckpointState? ReadState(string directory) => Find(directory)?.State;

    /// <summary>Loads the weights of the newest complete generation in <paramref name="directory"/>. Build any optimizer after this call.</summary>
    public static void Load(string directory, nn.Module model) =>
        (Find(directory) ?? throw new FileNotFoundException($"{directory}: no complete checkpoint to load.")).Load(model);

    /// <summary>Loads the optimizer state of the newest complete generation, if any, into an optimizer built on the loaded model.</summary>
    public static void LoadOptimizer(string directory, TorchSharp.Modules.OptimizerHelper optimizer) => Find(directory)?.LoadOptimizer(optimizer);

    /// <summary>
    /// SHA-256 of <paramref name="model"/>'s weights as <see cref="Save"/> writes them (the <see cref="CheckpointState.ModelSha256"/>
    /// a checkpoint of these weights records): identifies the weights a run starts from.
    /// </summary>
    public static string WeightsSha256(nn.Module model)
    {
        using var buffer = new MemoryStream();
        model.save(buffer);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(buffer.ToArray()));
    }

    /// <summary>A one-line description of where a run resumes, for logs.</summary>
    public static string Describe(CheckpointGeneration generation, int epochs)
    {
        string skipped = generation.Skipped.Count == 0 ? "" : $" ({string.Join("; ", generation.Skipped)})";
        return $"{generation.Directory}: epoch {generation.State.Epoch} of {epochs}, SHA-256 {generation.State.ModelSha256[..12]}… verified{skipped}";
    }

    internal static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    private static CheckpointState Verify(string dir, bool legacy)
    {
        string statePath = Path.Combine(dir, StateFile);
        string modelPath = Path.Combine(dir, ModelFile);
        string fix = legacy
            ? "The checkpoint was damaged after it was written; delete the folder to start over."
            : $"The checkpoint was damaged after it was written; delete {dir} to fall back to the generation before it, or the whole folder to start over.";
        if (!File.Exists(statePath) || !File.Exists(modelPath))
        {
            throw new DataFormatException(dir, File.Exists(statePath) ? ModelFile : StateFile, "missing", fix);
        }
        CheckpointState? state;
        try
        {
            state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(statePath), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(statePath, "JSON", $"unreadable ({(new FileInfo(statePath).Length == 0 ? "empty file" : e.Message)})", fix);
        }
        if (state is null || state.ModelSha256 is null || state.History is null || state.OptionsFingerprint is null)
        {
            throw new DataFormatException(statePath, "state", "incomplete (a field is missing)", fix);
        }
        // A run resumes at Epoch + 1 after the History it restores: a missing (0) or wrong Epoch would repeat epochs.
        if (state.Epoch < 1 || state.Epoch != state.History.Count)
        {
            throw new DataFormatException(statePath, nameof(CheckpointState.Epoch),
                $"{state.Epoch} does not match the {state.History.Count} epochs in {nameof(CheckpointState.History)} (it must be their count, at least 1)", fix);
        }
        string actual = FileHash.Sha256(modelPath);
        if (actual != state.ModelSha256)
        {
            throw new DataFormatException(modelPath, "SHA-256", $"{actual} does not match {state.ModelSha256} in {StateFile}",
                legacy ? "The weights were changed or damaged after the checkpoint was written; delete the folder to start over." : fix);
        }
        if (state.OptimizerSha256 is { } expected)
        {
            string optimizerPath = Path.Combine(dir, OptimizerFile);
            string got = File.Exists(optimizerPath) ? FileHash.Sha256(optimizerPath) : "missing";
            if (got != expected)
            {
                throw new DataFormatException(optimizerPath, "SHA-256", $"{got} does not match {expected} in {StateFile}", fix);
            }
        }
        return state;
    }

    private static void Publish(string directory, string staging)
    {
        int next = Generations(directory).Select(g => g.Number).DefaultIfEmpty(0).Max() + 1;
        while (true)
        {
            string target = Path.Combine(directory, $"{GenerationPrefix}{next:D6}");
            try
            {
                // One rename(2) of the folder: the generation appears complete or not at all.
                Directory.Move(staging, target);
                return;
            }
            catch (IOException) when (Directory.Exists(target))
            {
                next++;
            }
        }
    }

    private static void Prune(string directory)
    {
        foreach (var (_, dir) in Generations(directory).OrderByDescending(g => g.Number).Skip(GenerationsKept))
        {
            TryDelete(dir);
        }
        // The files of a pre-generation checkpoint, now superseded.
        foreach (var name in new[] { StateFile, ModelFile, OptimizerFile })
        {
            string path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                File.Delete(path);
            }
        }
    }

    private static IEnumerable<(int Number, string Dir)> Generations(string directory)
    {
        foreach (var dir in Directory.EnumerateDirectories(directory, GenerationPrefix + "*"))
        {
            if (int.TryParse(Path.GetFileName(dir)[GenerationPrefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            {
                yield return (n, dir);
            }
        }
    }

    // Staging folders of processes that died mid-save (kill -9, power loss) are never published: remove them.
    private static void RemoveAbandonedStaging(string directory)
    {
        foreach (var dir in Directory.EnumerateDirectories(directory, StagingPrefix + "*"))
        {
            string name = Path.GetFileName(dir)[StagingPrefix.Length..];
            int dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(name[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && !IsAlive(pid))
            {
                TryDelete(dir);
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
            // Another process is cleaning up too, or a file is in use; the next save tries again.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    // Data on disk before the rename publishes it, so a crash of the machine cannot publish empty files either.
    private static void Flush(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    private static void Pause()
    {
        if (TestPauseMs > 0)
        {
            Thread.Sleep(TestPauseMs);
        }
    }
}
