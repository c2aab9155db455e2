using static TorchSharp.torch;

namespace KdLabs.Data;

/// <summary>
/// A random transform applied to a whole batch of inputs during training. Its randomness comes only
/// from the seed it is given, so one run seed reproduces the augmentation too.
/// </summary>
public interface IBatchAugmentation
{
    /// <summary>A short description for logs and reports.</summary>
    string Name { get; }

    /// <summary>Returns the transformed batch.</summary>
    Tensor Apply(Tensor inputs, int seed);
}
