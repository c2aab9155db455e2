using System.Collections;
using KdLabs.Infrastructure;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace KdLabs.Models;

/// <summary>What <see cref="PretrainedWeights.LoadInto"/> did.</summary>
internal sealed record WeightsLoadReport(int Loaded, IReadOnlyList<string> Excluded, IReadOnlyList<string> KeptInitial);

/// <summary>
/// Loads weights saved by PyTorch into a module by key name, e.g. torchvision's ImageNet <c>resnet18</c> file
/// (<c>torch.save(model.state_dict(), "resnet18.pth")</c>) or a safetensors export (timm's <c>resnet18.tv_in1k</c>) into
/// <see cref="ResNet18"/>. Reading is TorchSharp.PyBridge's (PyTorch's zip/pickle format for <c>.pt</c>, <c>.pth</c>,
/// <c>.bin</c>; safetensors for <c>.safetensors</c>). Strict like PyTorch's <c>load_state_dict(strict=True)</c>: a key the
/// module has and the file lacks, a key the file has and the module lacks, or a shape that differs is an error naming
/// the key, raised before any weight is copied, so a bad file never leaves a half-loaded model. Keys under an excluded
/// prefix (<c>fc.</c> when the head was replaced) are skipped on both sides; batch-norm <c>num_batches_tracked</c>
/// counters may be absent (some exporters drop them). Floating dtypes are converted to the module's.
/// </summary>
internal static class PretrainedWeights
{
    /// <summary>The file name endings this loader reads.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".safetensors", ".pt", ".pth", ".bin"];

    private const string Fix = "Use weights of the same architecture (torchvision/timm resnet18 names), or exclude the replaced head with its prefix.";

    /// <summary>
    /// Reads every tensor of <paramref name="path"/> into memory (CPU). A PyTorch checkpoint that wraps its weights in a
    /// <c>"state_dict"</c> or <c>"model"</c> entry is unwrapped. The caller disposes the tensors.
    /// </summary>
    public static Dictionary<string, Tensor> ReadStateDict(string path)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (!Extensions.Contains(extension))
        {
            throw new DataFormatException(path, "file name", $"'{extension}' is not a weights format the kit reads", $"Pass a {string.Join(", ", Extensions)} file (PyTorch's torch.save of a state_dict, or safetensors).");
        }
        if (!File.Exists(path))
        {
            throw new DataFormatException(path, "file", "not found", "Check the path of the weights file.");
        }
        try
        {
            return extension == ".safetensors" ? Safetensors.LoadStateDict(path, null) : FromPickle(path, PyTorchUnpickler.UnpickleStateDict(path));
        }
        catch (DataFormatException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // PyBridge reports damage as whatever its parser hit (JSON, zip, "not implemented"): say which file and what to do.
            throw new DataFormatException(path, "file", $"not a readable {(extension == ".safetensors" ? "safetensors" : "PyTorch")} weights file ({e.GetType().Name}: {e.Message})",
                "Re-export it with torch.save(model.state_dict(), path) in PyTorch 1.6 or later, or with safetensors.torch.save_file.", e);
        }
    }

    /// <summary>Loads <paramref name="path"/> into <paramref name="module"/>; <paramref name="renameKey"/> maps file keys to module keys (e.g. strip "model.").</summary>
    public static WeightsLoadReport LoadInto(nn.Module module, string path, IReadOnlyList<string>? excludePrefixes = null, Func<string, string>? renameKey = null)
    {
        excludePrefixes ??= [];
        bool Excluded(string key) => excludePrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal));
        var read = ReadStateDict(path);
        try
        {
            var entries = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var (fileKey, t) in read)
            {
                if (!entries.TryAdd(renameKey?.Invoke(fileKey) ?? fileKey, t))
                {
                    throw new DataFormatException(path, fileKey, "two file keys map to the same module key after renaming", "Check the renameKey function.");
                }
            }
            var target = module.state_dict();
            Check(path, entries, target, Excluded, out var keptInitial);

            using var noGrad = no_grad();
            int loaded = 0;
            foreach (var (key, tensor) in entries)
            {
                if (Excluded(key))
                {
                    continue;
                }
                var t = target[key];
                using var converted = tensor.to(t.dtype, t.device);
                t.copy_(converted);
                loaded++;
            }
            return new WeightsLoadReport(loaded, entries.Keys.Where(Excluded).Order(StringComparer.Ordinal).ToList(), keptInitial);
        }
        finally
        {
            foreach (var t in read.Values)
            {
                t.Dispose();
            }
        }
    }

    private static void Check(string path, Dictionary<string, Tensor> entries, Dictionary<string, Tensor> target, Func<string, bool> excluded, out List<string> keptInitial)
    {
        var extra = entries.Keys.Where(k => !excluded(k) && !target.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        if (extra.Count > 0)
        {
            throw new DataFormatException(path, extra[0], $"unexpected key{More(extra)}: the module has no such parameter or buffer", Fix);
        }
        var missing = target.Keys.Where(k => !excluded(k) && !entries.ContainsKey(k)).ToList();
        keptInitial = missing.Where(k => k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToList();
        missing = missing.Except(keptInitial).ToList();
        if (missing.Count > 0)
        {
            throw new DataFormatException(path, missing[0], $"missing key{More(missing)}: the module needs it but the file lacks it", Fix);
        }
        // Module order, so the first error named is the first the module meets.
        foreach (var (key, t) in target)
        {
            if (excluded(key) || !entries.TryGetValue(key, out var entry))
            {
                continue;
            }
            if (!t.shape.SequenceEqual(entry.shape))
            {
                throw new DataFormatException(path, key, $"shape [{string.Join(", ", entry.shape)}] in the file, [{string.Join(", ", t.shape)}] in the module", Fix);
            }
            if (torch.is_floating_point(entry) != torch.is_floating_point(t))
            {
                throw new DataFormatException(path, $"{key}.dtype", $"{entry.dtype} in the file, {t.dtype} in the module", Fix);
            }
        }
    }

    private static string More(List<string> keys) => keys.Count > 1 ? $" (and {keys.Count - 1} more: {string.Join(", ", keys.Skip(1).Take(4))})" : "";

    private static Dictionary<string, Tensor> FromPickle(string path, Hashtable table)
    {
        foreach (string wrapper in new[] { "state_dict", "model" })
        {
            if (table.Count is >= 1 and <= 8 && table[wrapper] is Hashtable inner)
            {
                table = inner;
                break;
            }
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in table)
        {
            string key = e.Key as string ?? throw new DataFormatException(path, $"{e.Key}", "a key that is not a string", "Save model.state_dict(), a mapping from names to tensors.");
            result[key] = e.Value as Tensor ?? throw new DataFormatException(path, key, $"holds a {e.Value?.GetType().Name ?? "null"}, not a tensor",
                "Save model.state_dict() (names to tensors), not a whole training checkpoint or module.");
        }
        return result;
    }
}
