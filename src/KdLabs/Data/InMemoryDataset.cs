using System.Security.Cryptography;
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
        Fingerprint = fingerprint ?? ComputeFingerprint(name, Labels);
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
    /// Identifies this exact sample set and order (name, size and a hash of the labels), so a cache of
    /// per-sample results (teacher logits) can never be applied to another set.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>A new dataset holding the samples at <paramref name="indices"/>, in that order.</summary>
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

    private static string ComputeFingerprint(string name, Tensor labels)
    {
        using var cpu = labels.cpu();
        var bytes = cpu.data<long>().ToArray().SelectMany(BitConverter.GetBytes).ToArray();
        string hash = Convert.ToHexStringLower(SHA256.HashData(bytes))[..16];
        return $"{name}:{labels.shape[0]}:{hash}";
    }
}
