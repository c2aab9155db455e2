using System.Diagnostics;
using System.Globalization;

namespace KdLabs.Evaluation;

/// <summary>
/// When a long loop says where it is: at most one line per interval, so a notebook cell or a log never stays silent for
/// long, and a loop shorter than the interval stays silent as before. The clock is injectable so tests can drive it.
/// </summary>
internal sealed class ProgressThrottle
{
    /// <summary>The longest a learner waits without a line: ten seconds.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    private readonly TimeSpan interval;
    private readonly Func<TimeSpan> clock;
    private TimeSpan start;
    private TimeSpan last;

    public ProgressThrottle(TimeSpan? interval = null, Func<TimeSpan>? clock = null)
    {
        this.interval = interval ?? DefaultInterval;
        this.clock = clock ?? WallClock();
        Restart();
    }

    /// <summary>Time since the loop (re)started.</summary>
    public TimeSpan Elapsed => clock() - start;

    /// <summary>A monotonic clock starting at zero now.</summary>
    public static Func<TimeSpan> WallClock()
    {
        var watch = Stopwatch.StartNew();
        return () => watch.Elapsed;
    }

    /// <summary>Starts timing a new loop (an epoch): the first line is due one interval from now.</summary>
    public void Restart() => start = last = clock();

    /// <summary>True (and the interval starts again) when a whole interval passed since the last line or the start.</summary>
    public bool Due()
    {
        var now = clock();
        if (now - last < interval)
        {
            return false;
        }
        last = now;
        return true;
    }

    /// <summary>The time the rest takes at the pace so far: elapsed × (total − done) / done.</summary>
    public static TimeSpan Left(TimeSpan elapsed, double done, double total) =>
        done <= 0 || total <= done ? TimeSpan.Zero : TimeSpan.FromSeconds(elapsed.TotalSeconds * (total - done) / done);

    /// <summary>A duration for a progress line, to the second: "8 s", "1 min 40 s", "2 min", "1 h 5 min".</summary>
    public static string Format(TimeSpan span)
    {
        long seconds = (long)Math.Round(Math.Max(0, span.TotalSeconds));
        return seconds switch
        {
            < 60 => $"{seconds} s",
            < 3600 => seconds % 60 == 0 ? $"{seconds / 60} min" : $"{seconds / 60} min {seconds % 60} s",
            _ => $"{seconds / 3600} h {seconds % 3600 / 60} min",
        };
    }

    /// <summary>A count for a progress line: 31,744 whatever the culture, so lines are the same on every machine.</summary>
    public static string Count(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
