using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using KdLabs.Infrastructure;
using KdLabs.Notebooks.Execution;
using KdLabs.Notebooks.Format;

namespace KdLabs.Cli;

/// <summary>One lesson's row in the table <c>kdlabs course --time</c> writes.</summary>
internal sealed record LessonTiming(string Lesson, RunStatus Status, TimeSpan Wall, long? PeakBytes, string Teacher);

/// <summary>
/// <c>kdlabs course --time</c>: runs every lesson through the kit's runner and writes, between two marker comments of
/// docs/benchmarks.md, each lesson's wall time, the peak resident memory of the worker that ran its cells, and whether
/// its teacher was trained or came from the cache, with the machine and its load. A lesson over 4 GB or 5 minutes is
/// flagged: a Codespace has 8 GB and two cores, and a lesson should fit in a sitting.
/// </summary>
internal static class CourseTiming
{
    public const string StartMarker = "<!-- course-time:start -->";
    public const string EndMarker = "<!-- course-time:end -->";

    /// <summary>Half a Codespace's 8 GB: the most a lesson's process may hold.</summary>
    public const long MemoryLimitBytes = 4L << 30;

    /// <summary>The longest a lesson should take in full mode.</summary>
    public static readonly TimeSpan TimeLimit = TimeSpan.FromMinutes(5);

    /// <summary>Runs the course, then writes the table into <paramref name="benchmarksPath"/>; returns the run and the rows.</summary>
    public static async Task<(CourseRunResult Course, IReadOnlyList<LessonTiming> Rows)> RunAsync(string notebooks, string output,
        IReadOnlyDictionary<string, string> parameters, NotebookLimits limits, string benchmarksPath, string command, Action<string> log, CancellationToken ct)
    {
        // Refused before an hour of lessons rather than after: the table goes into an existing page.
        RequirePage(benchmarksPath);
        var started = DateTimeOffset.UtcNow;
        string loadBefore = LoadAverage();
        var rows = new List<LessonTiming>();
        var course = await CourseRunner.RunAsync(notebooks, output, parameters, log, ct, limits, finished: r => rows.Add(Row(r))).ConfigureAwait(false);
        string loadAfter = LoadAverage();
        WriteSection(benchmarksPath, Section(rows, started, command, CpuModel(), Environment.ProcessorCount, loadBefore, loadAfter, RunnerHost));
        return (course, rows);
    }

    /// <summary>A lesson's row from its run: its executed notebook says whether a teacher was trained or reused.</summary>
    public static LessonTiming Row(NotebookRunResult run) =>
        new(Path.GetFileNameWithoutExtension(run.NotebookPath), run.Status, run.Duration, run.PeakWorkerMemoryBytes,
            File.Exists(run.ExecutedNotebookPath) ? TeacherUse(StreamText(run.ExecutedNotebookPath)) : "—");

    // A teacher's run is named "teacher…" by every lab ("teacher", "teacher 2 of 3", "teacher (ResNet-18)"): an epoch line
    // means it trained here, "teacher…: reusing" that the store or the lab's folder had it ("teacher logits: reusing" is
    // the logit cache, not a teacher).
    private static readonly Regex TrainedLine = new(@"^(teacher[^:\r\n]*?) epoch \d+/\d+ ", RegexOptions.Multiline);
    private static readonly Regex CachedLine = new(@"^(teacher(?! logits)[^:\r\n]*): reusing ", RegexOptions.Multiline);

    /// <summary>"trained", "cached", "trained 1, cached 2" (counting distinct teacher runs) or "—" when the lesson has no teacher.</summary>
    public static string TeacherUse(string streamText)
    {
        int trained = TrainedLine.Matches(streamText).Select(m => m.Groups[1].Value.TrimEnd()).Distinct().Count();
        int cached = CachedLine.Matches(streamText).Select(m => m.Groups[1].Value).Distinct().Count();
        return (trained, cached) switch
        {
            (0, 0) => "—",
            (_, 0) => "trained",
            (0, _) => "cached",
            _ => $"trained {trained}, cached {cached}",
        };
    }

    /// <summary>Every stream output of an executed notebook, in order.</summary>
    internal static string StreamText(string ipynb) =>
        string.Concat(NotebookFile.Load(ipynb).Cells.SelectMany(c => c.Outputs).OfType<StreamOutput>().Select(s => s.Text));

    /// <summary>How the kit's runner's table says where the lessons ran.</summary>
    public const string RunnerHost = "the kit's runner (peak memory is the resident high-water mark of the worker process that ran the lesson's cells)";

    /// <summary>The Markdown between the markers: machine, command, where the lessons ran, the table, and what is over the limits.</summary>
    public static string Section(IReadOnlyList<LessonTiming> rows, DateTimeOffset started, string command, string cpu, int cores, string loadBefore, string loadAfter, string host)
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Measured {started.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} by `{command}` on {cpu}, {cores} cores; load average (1, 5, 15 min) {loadBefore} before, {loadAfter} after; lessons run by {host}.");
        md.AppendLine();
        md.AppendLine("| Lesson | Status | Wall time | Peak memory | Teacher | Over a limit |");
        md.AppendLine("|---|---|---|---|---|---|");
        foreach (var r in rows)
        {
            var over = new List<string>();
            if (r.Wall > TimeLimit)
            {
                over.Add("**over 5 min**");
            }
            if (r.PeakBytes > MemoryLimitBytes)
            {
                over.Add("**over 4 GB**");
            }
            string peak = r.PeakBytes is { } b ? string.Create(CultureInfo.InvariantCulture, $"{b / (1024.0 * 1024 * 1024):0.00} GB") : "—";
            md.AppendLine($"| {r.Lesson} | {r.Status.ToString().ToLowerInvariant()} | {Duration(r.Wall)} | {peak} | {r.Teacher} | {(over.Count == 0 ? "no" : string.Join(", ", over))} |");
        }
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Total {Duration(TimeSpan.FromTicks(rows.Sum(r => r.Wall.Ticks)))}; limits: 5 min and 4 GB per lesson.");
        return md.ToString();
    }

    private static string Duration(TimeSpan t) => t.TotalSeconds < 60
        ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.0} s")
        : $"{(int)t.TotalMinutes} min {t.Seconds:00} s";

    /// <summary>
    /// Replaces what lies between the markers of <paramref name="path"/> with <paramref name="section"/>, atomically;
    /// a page without the markers gets them at its end under a heading. Nothing outside the markers changes.
    /// </summary>
    public static void WriteSection(string path, string section) => WriteSection(path, section, StartMarker, EndMarker, "Course run times");

    /// <summary>The same between other markers, added at the page's end under <paramref name="heading"/> when missing.</summary>
    public static void WriteSection(string path, string section, string startMarker, string endMarker, string heading)
    {
        string page = RequirePage(path);
        int start = page.IndexOf(startMarker, StringComparison.Ordinal);
        int end = page.IndexOf(endMarker, StringComparison.Ordinal);
        string nl = page.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        string body = nl + section.ReplaceLineEndings(nl);
        string updated;
        if (start >= 0 && end > start)
        {
            updated = page[..(start + startMarker.Length)] + body + page[end..];
        }
        else if (start < 0 && end < 0)
        {
            string sep = page.Length == 0 || page.EndsWith(nl, StringComparison.Ordinal) ? "" : nl;
            updated = page + sep + nl + "## " + heading + nl + nl + startMarker + body + endMarker + nl;
        }
        else
        {
            throw new DataFormatException(path, "course-time markers", $"{startMarker} and {endMarker} are not both there, in that order",
                "Put the two markers back on lines of their own, or remove both to have the section added at the end.");
        }
        AtomicFile.WriteAllText(path, updated);
    }

    /// <summary>The page's text; an argument error when there is no such file.</summary>
    public static string RequirePage(string path)
    {
        if (!File.Exists(path))
        {
            throw new ArgumentException($"--benchmarks {path}: no such file; the table is written into an existing page (docs/benchmarks.md).");
        }
        return File.ReadAllText(path);
    }

    /// <summary>"0.52 0.61 0.70" from /proc/loadavg, or "unknown" where there is none.</summary>
    public static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return parts.Length >= 3 ? string.Join(" ", parts.Take(3)) : "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    /// <summary>The CPU's model name from /proc/cpuinfo, or the architecture.</summary>
    internal static string CpuModel()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (UnauthorizedAccessException)
        {
            return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
        }
    }
}
