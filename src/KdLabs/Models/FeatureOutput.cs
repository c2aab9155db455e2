using static TorchSharp.torch;

namespace KdLabs.Models;

/// <summary>
/// A forward pass that kept its intermediate feature maps: the logits and each named feature, all alive
/// in the caller's dispose scope and on the autograd graph (so a loss on a feature trains the layers below it).
/// </summary>
public sealed record FeatureOutput(Tensor Logits, IReadOnlyDictionary<string, Tensor> Features)
{
    /// <summary>The feature map called <paramref name="name"/>; throws naming the features there are.</summary>
    public Tensor this[string name] => Features.TryGetValue(name, out var f)
        ? f
        : throw new KeyNotFoundException($"No feature '{name}'; this model returns {string.Join(", ", Features.Keys)}.");
}
