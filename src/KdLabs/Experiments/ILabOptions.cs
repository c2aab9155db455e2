namespace KdLabs.Experiments;

/// <summary>What every lab's options can do: check themselves, shrink to smoke mode, and set torch's thread count.</summary>
/// <typeparam name="TSelf">The options record itself.</typeparam>
public interface ILabOptions<TSelf>
    where TSelf : ILabOptions<TSelf>
{
    /// <summary>Torch threads, or null for torch's choice.</summary>
    int? Threads { get; }

    /// <summary>The device to train and evaluate on (auto, cpu, cuda, cuda:N, mps).</summary>
    string Device { get; }

    /// <summary>Throws with a message naming the setting when one is out of range.</summary>
    void Validate();

    /// <summary>These options, shrunk when smoke mode is on.</summary>
    TSelf Effective();
}
