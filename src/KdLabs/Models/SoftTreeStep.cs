namespace KdLabs.Models;

/// <summary>
/// One inner node on the path a sample takes when it follows the more probable branch at every node.
/// </summary>
/// <param name="Node">Inner node index (heap order).</param>
/// <param name="Depth">Depth of the node; the root is 0.</param>
/// <param name="ReachProbability">P^i(x), the probability of reaching this node.</param>
/// <param name="RightProbability">p_i(x), the probability of going right here.</param>
public sealed record SoftTreeStep(int Node, int Depth, double ReachProbability, double RightProbability)
{
    /// <summary>True when the more probable branch is the right one.</summary>
    public bool GoesRight => RightProbability >= 0.5;
}
