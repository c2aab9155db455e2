namespace KdLabs.Models;

/// <summary>
/// A network that can return named intermediate feature maps with its logits, for feature-based distillation
/// (FitNets hints, attention transfer, FSP). The model returns them itself rather than through forward hooks:
/// TorchSharp disposes a forward's intermediates with its dispose scope, and a hook would see dead tensors.
/// </summary>
public interface IFeatureModel
{
    /// <summary>The names <see cref="ForwardWithFeatures"/> returns, from input to output.</summary>
    IReadOnlyList<string> FeatureNames { get; }

    /// <summary>The forward pass, keeping the named feature maps.</summary>
    FeatureOutput ForwardWithFeatures(TorchSharp.torch.Tensor input);
}
