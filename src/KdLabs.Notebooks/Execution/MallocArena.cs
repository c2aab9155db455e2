namespace KdLabs.Notebooks.Execution;

/// <summary>
/// The environment a process that runs lesson cells starts with: one glibc malloc arena. The kit's allocator settings
/// (<c>KdLabs.Infrastructure.NativeAllocator</c>: large buffers from a kept heap, not fresh pages) shape the main arena
/// only, and cells never run on a process's first thread: in a thread's own arena glibc serves any buffer over 64 MiB
/// with a fresh mapping whatever the settings say, so a teacher's pass in batches of 1,000 took 513,000 minor page faults
/// and ran at 170 images/s, against 1,170 with one arena (2,000 MNIST images through the CNN teacher in a notebook cell,
/// one thread, logits bit-identical). The arena count is fixed when the process starts, hence an environment variable
/// (<c>GLIBC_TUNABLES</c>, ignored off glibc) rather than a call. A user's own <c>GLIBC_TUNABLES</c> wins.
/// </summary>
internal static class MallocArena
{
    /// <summary>The variable glibc reads its tunables from at start.</summary>
    public const string Variable = "GLIBC_TUNABLES";

    /// <summary>One arena: every thread allocates from the main heap.</summary>
    public const string OneArena = "glibc.malloc.arena_max=1";

    /// <summary>Adds <see cref="OneArena"/> to a child's environment unless this process's environment already sets tunables.</summary>
    public static void Apply(IDictionary<string, string?> environment)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            environment[Variable] = OneArena;
        }
    }
}
