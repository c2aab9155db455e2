namespace KdLabs.Experiments;

/// <summary>What every lab's options can do: carry the shared <see cref="LabSettings"/>, check themselves and shrink to smoke mode.</summary>
/// <typeparam name="TSelf">The options record itself.</typeparam>
public interface ILabOptions<TSelf>
    where TSelf : ILabOptions<TSelf>
{
    /// <summary>Output, data, seeds, threads, device and smoke mode, the same for every lab.</summary>
    LabSettings Lab { get; }

    /// <summary>Throws with a message naming the setting when one is out of range.</summary>
    void Validate();

    /// <summary>These options, shrunk when smoke mode is on.</summary>
    TSelf Effective();
}
