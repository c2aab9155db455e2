using static TorchSharp.torch;

namespace KdLabs.Data;

/// <summary>
/// One mini-batch: inputs, labels and the dataset indices of its samples. The indices let per-sample
/// caches (teacher logits) be looked up by identity, never by position in a shuffled order.
/// </summary>
public sealed record Batch(Tensor Inputs, Tensor Labels, Tensor Indices)
{
    /// <summary>Number of samples.</summary>
    public long Size => Labels.shape[0];
}
