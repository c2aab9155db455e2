using System.Globalization;

namespace KdLabs.Infrastructure;

/// <summary>The machine's load averages, recorded next to every timing so a reader can tell a quiet run from a shared one.</summary>
public static class LoadAverage
{
    /// <summary>The 1, 5 and 15-minute load averages, or an empty list where /proc/loadavg is not readable.</summary>
    public static IReadOnlyList<double> Read()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ').Take(3).Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return [];
        }
    }

    /// <summary>The 1-minute load average, or NaN where it is not readable.</summary>
    public static double OneMinute() => Read() is [var first, ..] ? first : double.NaN;

    /// <summary>"1.20 0.80 0.50", or "n/a".</summary>
    public static string Describe() =>
        Read() is { Count: > 0 } l ? string.Join(" ", l.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture))) : "n/a";
}
