using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KdLabs.Infrastructure;

/// <summary>What <see cref="NativeAllocator.Configure"/> did, for benchmark reports and diagnostics.</summary>
/// <param name="Applied">True when the settings below were set in this process.</param>
/// <param name="Reason">Why they were or were not set (e.g. "glibc 2.41", "not glibc", "KDLABS_ALLOCATOR=off").</param>
/// <param name="MmapMax">Most allocations glibc's malloc may serve with their own <c>mmap</c> (0: none; all come from its heap).</param>
/// <param name="TrimThreshold">Free bytes at the top of the heap that glibc keeps instead of returning them to the kernel.</param>
/// <param name="TopPad">Extra bytes glibc asks the kernel for each time the heap grows.</param>
internal sealed record AllocatorSettings(bool Applied, string Reason, int MmapMax, long TrimThreshold, long TopPad);

/// <summary>
/// Keeps libtorch's large CPU buffers on glibc's heap instead of fresh kernel pages. By default glibc serves every
/// allocation above 128 KiB-32 MiB (its threshold adapts) with its own <c>mmap</c> and unmaps it on free, so each
/// batch's activations and gradients are new zero-filled pages: one minor page fault per 4 KiB, system time that
/// made evaluation in batches of 256-1,024 several times slower per image than batches of 64. Serving every
/// allocation from the heap, keeping up to 1 GiB of free heap instead of trimming it, and growing the heap in 64 MiB
/// steps (glibc's <c>mallopt</c>: the same knobs as the <c>MALLOC_MMAP_MAX_</c>, <c>MALLOC_TRIM_THRESHOLD_</c> and
/// <c>MALLOC_TOP_PAD_</c> variables) lets freed buffers be reused. A raised mmap threshold alone does less: glibc caps
/// it at 32 MiB, below the teacher's conv2 activations at batch 1,024 (151 MB); tools/KdLabs.Bench/scripts/bench-allocator.sh compares
/// the variants. It changes where memory comes from, never what is computed: libtorch aligns its buffers itself, so
/// results are bit-identical (<c>kdlabs bench</c> compares logit hashes with and without it). The process keeps its
/// peak heap instead of giving it back.
/// Applied once when the kit's assembly loads, so the CLI, the tests and notebooks all get it; does nothing off glibc
/// (macOS, Windows, musl), when <c>KDLABS_ALLOCATOR=off</c>, or when any <c>MALLOC_*_</c> variable is set (yours win).
/// </summary>
internal static class NativeAllocator
{
    private const int MTrimThreshold = -1;
    private const int MTopPad = -2;
    private const int MMmapMax = -4;

    /// <summary>No allocation gets its own mapping: large buffers come from the heap and are reused.</summary>
    public const int MmapMax = 0;

    /// <summary>Free heap kept rather than trimmed: 1 GiB, more than any batch this kit runs needs.</summary>
    public const long TrimThresholdBytes = 1L << 30;

    /// <summary>Heap growth step: 64 MiB.</summary>
    public const long TopPadBytes = 64L << 20;

    private static readonly Lock Gate = new();
    private static AllocatorSettings? current;

    /// <summary>The settings in force (configuring first if that has not happened yet).</summary>
    public static AllocatorSettings Current => current ?? Configure();

    /// <summary>Sets the thresholds once per process; later calls return the first call's outcome.</summary>
    public static AllocatorSettings Configure()
    {
        lock (Gate)
        {
            return current ??= Apply();
        }
    }

    // Runs when the kit's assembly is loaded, before any of its code: the CLI, the tests and a notebook's first
    // `#r "nuget: KdLabs"` all get the settings without a call of their own.
#pragma warning disable CA2255 // A library module initializer is the point here: every host of the kit needs it, none must remember it.
    [ModuleInitializer]
    internal static void OnLoad() => Configure();
#pragma warning restore CA2255

    private static AllocatorSettings Apply()
    {
        if (!OperatingSystem.IsLinux())
        {
            return new AllocatorSettings(false, "not Linux (nothing to do)", 0, 0, 0);
        }
        if (string.Equals(Environment.GetEnvironmentVariable("KDLABS_ALLOCATOR"), "off", StringComparison.OrdinalIgnoreCase))
        {
            return new AllocatorSettings(false, "KDLABS_ALLOCATOR=off", 0, 0, 0);
        }
        if (Environment.GetEnvironmentVariables().Keys.Cast<string>().FirstOrDefault(k => k.StartsWith("MALLOC_", StringComparison.Ordinal) && k.EndsWith('_')) is { } own)
        {
            return new AllocatorSettings(false, $"{own} is set (the environment's settings win)", 0, 0, 0);
        }
        string version;
        try
        {
            version = Marshal.PtrToStringUTF8(GnuGetLibcVersion()) ?? "?";
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return new AllocatorSettings(false, "not glibc (nothing to do)", 0, 0, 0);
        }
        bool ok = Mallopt(MMmapMax, MmapMax) == 1
                  & Mallopt(MTrimThreshold, (int)TrimThresholdBytes) == 1
                  & Mallopt(MTopPad, (int)TopPadBytes) == 1;
        return new AllocatorSettings(ok, ok ? $"glibc {version}" : $"glibc {version} refused a setting", MmapMax, TrimThresholdBytes, TopPadBytes);
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int param, int value);

    [DllImport("libc", EntryPoint = "gnu_get_libc_version")]
    private static extern IntPtr GnuGetLibcVersion();
}
