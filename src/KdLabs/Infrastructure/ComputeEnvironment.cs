namespace KdLabs.Infrastructure;

/// <summary>
/// The environment a process that runs lesson cells starts with, read by native libraries and the .NET runtime once when
/// they load, so it cannot be set from inside the process. A variable the user has already set (even to nothing) is left alone. Each was measured on the
/// 2-core machine, the first two in a notebook cell (`kdlabs run`, the CNN teacher), the third on the .NET Interactive
/// kernel; docs/speed.md has the figures.
/// <list type="bullet">
/// <item><c>GLIBC_TUNABLES=glibc.malloc.arena_max=1</c>: the kit's allocator settings
/// (<see cref="NativeAllocator"/>) shape glibc's main arena only, and cells never run on a process's first
/// thread; in a thread's own arena glibc maps every buffer over 64 MiB afresh whatever <c>mallopt</c> says. A teacher's
/// pass in batches of 1,000 in a cell took half a million minor faults and ran about 6× slower than with one arena
/// (logits bit-identical).</item>
/// <item><c>GOMP_SPINCOUNT=10000</c>: libtorch's OpenMP threads (GNU libgomp) otherwise spin up to 300,000 rounds while
/// they wait for each other; when another process shares the two cores, a spinning thread burns the time slice its partner
/// needs, and a training epoch at two threads ran 5-7× slower. Sleeping at once (<c>OMP_WAIT_POLICY=PASSIVE</c>) was best
/// under contention but cost about 7 % on a quiet machine; a short spin was 20 % faster than the default when quiet and
/// 4× faster under contention (tools/KdLabs.Bench/scripts/bench-cell-env.sh).</item>
/// <item><c>DOTNET_gcServer=0</c>: the .NET Interactive kernel asks for the server GC in its runtimeconfig, which on 2 cores
/// keeps a GC thread per core beside libtorch's and lets garbage grow before collecting it. In that kernel lesson 05's
/// SSLD epochs ran at about 1,800 images/s against 2,200 with the workstation GC, and lesson 03's first run peaked at
/// 8.2 GB against 3.1 GB (over half of a Codespace's 8 GB); the kit's own processes use the workstation GC already.</item>
/// </list>
/// The kit's CLI, its runner's worker and its kernel's kernelspec start with them; <c>kdlabs setup</c> adds them to the
/// .NET Interactive kernel's kernelspec, and the lessons' first cell says so in a kernel that started without them.
/// </summary>
public static class ComputeEnvironment
{
    /// <summary>Each variable and the value the kit starts cell-running processes with.</summary>
    public static IReadOnlyDictionary<string, string> Variables { get; } = new Dictionary<string, string>
    {
        ["GLIBC_TUNABLES"] = "glibc.malloc.arena_max=1",
        ["GOMP_SPINCOUNT"] = "10000",
        ["DOTNET_gcServer"] = "0",
    };

    /// <summary>Adds each of <see cref="Variables"/> to a child's environment unless this process's environment sets it (empty included: the library's default).</summary>
    public static void Apply(IDictionary<string, string?> environment)
    {
        foreach (var (name, value) in Variables)
        {
            if (Environment.GetEnvironmentVariable(name) is null)
            {
                environment[name] = value;
            }
        }
    }

    /// <summary>The variables this process started without (unset; set to nothing counts as set: the user's choice).</summary>
    public static IReadOnlyList<string> MissingHere() =>
        [.. Variables.Keys.Where(name => Environment.GetEnvironmentVariable(name) is null)];
}
