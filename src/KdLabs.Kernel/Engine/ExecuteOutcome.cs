using KdLabs.Notebooks.Format;

namespace KdLabs.Kernel.Engine;

/// <summary>How one execute request ended: ok, or the error to publish and reply with (interrupts included).</summary>
/// <param name="ExecutionCount">The count the cell ran under.</param>
/// <param name="Error">The cell's error, or null when it succeeded.</param>
internal sealed record ExecuteOutcome(int ExecutionCount, ErrorOutput? Error)
{
    public bool Succeeded => Error is null;
}
