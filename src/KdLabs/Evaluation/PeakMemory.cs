using System.Diagnostics;
using System.Globalization;

namespace KdLabs.Evaluation;

/// <summary>
/// The process's peak resident memory (RSS), which covers libtorch's native allocations as well as .NET's. On Linux
/// the peak can be reset (writing 5 to /proc/self/clear_refs), so each training run gets its own peak; elsewhere it is
/// the peak since the process started, and <see cref="CanReset"/> says so. The figure includes everything resident:
/// the data set, teachers and caches, not only the run's own tensors.
/// </summary>
internal static class PeakMemory
{
    private const string Status = "/proc/self/status";
    private const string ClearRefs = "/proc/self/clear_refs";

    /// <summary>Whether <see cref="Reset"/> can start a new peak on this system.</summary>
    public static bool CanReset { get; } = File.Exists(ClearRefs) && File.Exists(Status);

    /// <summary>Starts a new peak at the current RSS (no-op where the system cannot).</summary>
    public static void Reset()
    {
        if (CanReset)
        {
            try
            {
                File.WriteAllText(ClearRefs, "5");
            }
            catch (IOException)
            {
                // Some sandboxes mount /proc read-only: the peak then runs from process start, as elsewhere.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>The peak RSS in bytes since the last <see cref="Reset"/> (or process start).</summary>
    public static long PeakBytes()
    {
        if (File.Exists(Status))
        {
            foreach (var line in File.ReadLines(Status))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kb = line["VmHWM:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }
}
