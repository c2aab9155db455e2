using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace KdLabs.Data;

/// <summary>
/// A labelled data set held as two tensors: <see cref="Features"/> (N×…) and <see cref="Labels"/> (N, int64).
/// Batches are cut from them with <c>index_select</c>, so no per-sample tensor is ever allocated.
/// </summary>
public sealed class InMemoryDataset : IDisposable
{
    /// <summary>Wraps features and labels; the dataset takes ownership of both tensors.</summary>
    public InMemoryDataset(string name, Tensor features, Tensor labels, IReadOnlyList<string> classNames)
        : this(name, features, labels, classNames, null)
    {
    }

    private InMemoryDataset(string name, Tensor features, Tensor labels, IReadOnlyList<string> classNames, string? fingerprint)
    {
        if (features.shape[0] != labels.shape[0])
        {
            throw new ArgumentException($"{name}: {features.shape[0]} feature rows but {labels.shape[0]} labels.");
        }
        if (labels.dtype != ScalarType.Int64)
        {
            throw new ArgumentException($"{name}: labels must be int64, got {labels.dtype}.");
        }
        Name = name;
        Features = features.DetachFromDisposeScope();
        Labels = labels.DetachFromDisposeScope();
        ClassNames = classNames;
        this.fingerprint = fingerprint;
    }

    /// <summary>A human-readable name such as <c>mnist-train</c>.</summary>
    public string Name { get; }

    /// <summary>Inputs, first dimension is the sample.</summary>
    public Tensor Features { get; }

    /// <summary>Class indices, int64.</summary>
    public Tensor Labels { get; }

    /// <summary>Class names in index order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Where the tensors live; batches, and the models trained on them, follow it.</summary>
    public Device Device => Features.device;

    /// <summary>Number of samples.</summary>
    public int Count => (int)Labels.shape[0];

    /// <summary>Number of classes.</summary>
    public int NumClasses => ClassNames.Count;

    /// <summary>
    /// Identifies this exact sample set and order: name, size and a SHA-256 over the features' dtype, shape and bytes
    /// and the labels, so a cache of per-sample results (teacher logits, trained teachers) can never be applied to
    /// another set, not even one with the same labels and different pixels. Computed on first use and then kept
    /// (hashing MNIST's 60,000 training images takes a fraction of a second); unchanged by <see cref="MoveTo"/>.
    /// </summary>
    public string Fingerprint
    {
        get
        {
            // Lazy because many datasets (subsets, test splits) are never looked up in a cache; locked so two threads
            // asking at once hash only once.
            if (fingerprint is null)
            {
                lock (fingerprintGate)
                {
                    fingerprint ??= ComputeFingerprint(Name, Features, Labels);
                }
            }
            return fingerprint;
        }
    }

    private readonly object fingerprintGate = new();
    private string? fingerprint;

    /// <summary>
    /// A new dataset holding the samples at <paramref name="indices"/>, in that order. It gets its own fingerprint,
    /// hashed from its own pixels and labels, never its parent's.
    /// </summary>
    public InMemoryDataset Subset(string name, long[] indices)
    {
        using var idx = torch.tensor(indices, ScalarType.Int64, device: Device);
        return new InMemoryDataset(name, Features.index_select(0, idx), Labels.index_select(0, idx), ClassNames);
    }

    /// <summary>The first <paramref name="count"/> samples, or this set's copy when it is smaller.</summary>
    public InMemoryDataset Take(int count)
    {
        int n = Math.Min(count, Count);
        return Subset($"{Name}[:{n}]", Enumerable.Range(0, n).Select(i => (long)i).ToArray());
    }

    /// <summary>The first <paramref name="count"/> samples, or this very set when <paramref name="count"/> is null or not smaller than it (a setting's "all").</summary>
    public InMemoryDataset FirstOrAll(int? count) => count is { } n && n < Count ? Take(n) : this;

    /// <summary>The labels as a managed array.</summary>
    public long[] LabelArray()
    {
        using var cpu = Labels.cpu();
        return cpu.data<long>().ToArray();
    }

    /// <summary>
    /// This dataset on <paramref name="device"/>: itself when it is there already, otherwise a copy there (same name,
    /// same fingerprint), and this one is disposed. The whole set moves once, so batches are cut on the device.
    /// </summary>
    public InMemoryDataset MoveTo(Device device)
    {
        if (Features.device.type == device.type && Features.device.index == device.index)
        {
            return this;
        }
        // The copy holds the same bytes, so it keeps the fingerprint. It is hashed here, before the move, because the
        // CPU bytes are at hand now, while afterwards they would have to be copied back (or, on the meta device, do
        // not exist at all).
        var moved = new InMemoryDataset(Name, Features.to(device), Labels.to(device), ClassNames, Fingerprint);
        Dispose();
        return moved;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Features.Dispose();
        Labels.Dispose();
    }

    /// <summary>Version of what <see cref="ComputeFingerprint"/> hashes; bump it when that changes so caches keyed by fingerprints miss.</summary>
    private const string FingerprintVersion = "kdlabs-dataset-v2";

    /// <summary>Bytes hashed per slice: bounds the host copy of a device tensor and keeps each span within int range.</summary>
    private const long SliceBytes = 64L << 20;

    private static string ComputeFingerprint(string name, Tensor features, Tensor labels)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // The header makes the byte stream unambiguous: the same bytes read as another dtype or shape are other data.
        string header = $"{FingerprintVersion}|features={features.dtype}[{string.Join(',', features.shape)}]|labels={labels.dtype}[{string.Join(',', labels.shape)}]\n";
        hash.AppendData(Encoding.UTF8.GetBytes(header));
        AppendBytes(hash, labels);
        AppendBytes(hash, features);
        string digest = Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
        return $"{name}:{labels.shape[0]}:{digest}";
    }

    /// <summary>Feeds the tensor's contiguous CPU bytes (native little-endian layout) to <paramref name="hash"/>, a slice of rows at a time.</summary>
    private static void AppendBytes(IncrementalHash hash, Tensor tensor)
    {
        long rows = tensor.shape.Length == 0 ? 1 : tensor.shape[0];
        long rowBytes = rows == 0 ? 0 : tensor.NumberOfElements / rows * tensor.ElementSize;
        if (rows == 0 || rowBytes == 0)
        {
            return;
        }
        long rowsPerSlice = Math.Max(1, SliceBytes / rowBytes);
        using var scope = torch.NewDisposeScope();
        // Slices along the first dimension: a slice of a device tensor is copied to the host alone, and contiguous() is
        // a no-op for the usual contiguous CPU tensor, so its bytes are hashed where they lie.
        var source = tensor.shape.Length == 0 ? tensor.reshape(1) : tensor;
        for (long start = 0; start < rows; start += rowsPerSlice)
        {
            long length = Math.Min(rowsPerSlice, rows - start);
            using var slice = source.narrow(0, start, length).cpu().contiguous();
            hash.AppendData(slice.bytes);
        }
    }
}
