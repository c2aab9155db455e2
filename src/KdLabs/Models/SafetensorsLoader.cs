using KdLabs.Data;
using KdLabs.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace KdLabs.Models;

/// <summary>What <see cref="SafetensorsLoader.LoadInto"/> did.</summary>
public sealed record SafetensorsLoadReport(int Loaded, IReadOnlyList<string> Excluded, IReadOnlyList<string> KeptInitial);

/// <summary>
/// Copies a safetensors file into a module's state dict by key name, e.g. a torchvision or timm
/// <c>resnet18</c> checkpoint (timm's <c>resnet18.tv_in1k</c> uses torchvision's names) into
/// <see cref="ResNet18"/>. Strict like PyTorch's <c>load_state_dict(strict=True)</c>: a key the module
/// has and the file lacks, a key the file has and the module lacks, or a shape that differs is an
/// error naming the key. Keys under an excluded prefix (<c>fc.</c> when the head was replaced) are
/// skipped on both sides. Batch-norm <c>num_batches_tracked</c> counters may be absent (some exporters
/// drop them); they only matter for momentum-free BN. Floating dtypes are converted to the module's.
/// </summary>
public static class SafetensorsLoader
{
    /// <summary>Loads <paramref name="path"/> into <paramref name="module"/>; <paramref name="renameKey"/> maps file keys to module keys (e.g. strip "model.").</summary>
    public static SafetensorsLoadReport LoadInto(nn.Module module, string path, IReadOnlyList<string>? excludePrefixes = null, Func<string, string>? renameKey = null)
    {
        excludePrefixes ??= [];
        bool Excluded(string key) => excludePrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal));
        var entries = SafetensorsFile.ReadHeader(path).ToDictionary(e => renameKey?.Invoke(e.Name) ?? e.Name, StringComparer.Ordinal);
        var target = module.state_dict();
        const string fix = "Use weights of the same architecture (torchvision/timm resnet18 names), or exclude the replaced head with its prefix.";

        var extra = entries.Keys.Where(k => !Excluded(k) && !target.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        if (extra.Count > 0)
        {
            throw new DataFormatException(path, extra[0], $"unexpected key{(extra.Count > 1 ? $" (and {extra.Count - 1} more: {string.Join(", ", extra.Skip(1).Take(4))})" : "")}: the module has no such parameter or buffer", fix);
        }
        var missing = target.Keys.Where(k => !Excluded(k) && !entries.ContainsKey(k)).ToList();
        var keptInitial = missing.Where(k => k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToList();
        missing = missing.Except(keptInitial).ToList();
        if (missing.Count > 0)
        {
            throw new DataFormatException(path, missing[0], $"missing key{(missing.Count > 1 ? $" (and {missing.Count - 1} more: {string.Join(", ", missing.Skip(1).Take(4))})" : "")}: the module needs it but the file lacks it", fix);
        }
        // Module order, so the first error named is the first the module meets.
        foreach (var (key, t) in target)
        {
            if (Excluded(key) || !entries.TryGetValue(key, out var entry))
            {
                continue;
            }
            if (!t.shape.SequenceEqual(entry.Shape))
            {
                throw new DataFormatException(path, key, $"shape [{string.Join(", ", entry.Shape)}] in the file, [{string.Join(", ", t.shape)}] in the module", fix);
            }
            bool fileFloat = SafetensorsFile.ScalarTypeOf(entry.DType) is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;
            if (fileFloat != torch.is_floating_point(t))
            {
                throw new DataFormatException(path, $"{key}.dtype", $"{entry.DType} in the file, {t.dtype} in the module", fix);
            }
        }

        var tensors = SafetensorsFile.Read(path);
        try
        {
            using var noGrad = no_grad();
            int loaded = 0;
            foreach (var (fileKey, tensor) in tensors)
            {
                string key = renameKey?.Invoke(fileKey) ?? fileKey;
                if (Excluded(key))
                {
                    continue;
                }
                var t = target[key];
                using var converted = tensor.to_type(t.dtype);
                t.copy_(converted);
                loaded++;
            }
            return new SafetensorsLoadReport(loaded, entries.Keys.Where(Excluded).Order(StringComparer.Ordinal).ToList(), keptInitial);
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }
}
