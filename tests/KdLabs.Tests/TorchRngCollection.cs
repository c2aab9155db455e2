namespace KdLabs.Tests;

/// <summary>
/// Tests that check exact reproducibility from a seed. Torch's random generator is global to the process,
/// so another test drawing from it in parallel would change their numbers: this collection runs alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchRngCollection
{
    public const string Name = "torch global RNG";
}
