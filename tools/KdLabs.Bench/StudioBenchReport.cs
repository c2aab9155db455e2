using System.Globalization;
using System.Text;
using System.Text.Json;
using KdLabs.Infrastructure;

namespace KdLabs.Bench;

/// <summary>One figure of <c>kdlabs bench studio</c>: seconds from submission, per fresh run, and their median.</summary>
/// <param name="Name">What was timed, as the page's user would say it.</param>
/// <param name="TargetSeconds">The goal it is held to, or null when the figure only informs.</param>
/// <param name="Median">Median of <paramref name="PerRound"/>, in seconds.</param>
/// <param name="PerRound">Seconds in each fresh run, in the order they ran.</param>
public sealed record StudioBenchMeasurement(string Name, double? TargetSeconds, double Median, IReadOnlyList<double> PerRound);

/// <summary>The result of one <c>kdlabs bench studio</c>, as written to <c>studio-*.json</c> in <see cref="BenchReport.ResultsFolder"/>.</summary>
/// <param name="StartedUtc">Start time, <c>yyyy-MM-ddTHH:mm:ssZ</c>.</param>
/// <param name="Machine">OS, cores, CPU model, .NET and TorchSharp versions.</param>
/// <param name="Command">The command line that reproduces the run.</param>
/// <param name="Settings">Teacher, student, thread count and test-set size.</param>
/// <param name="LoadBefore">1, 5 and 15-minute load averages before the first run.</param>
/// <param name="LoadAfter">The same after the last run.</param>
/// <param name="Rounds">Fresh runs per measurement.</param>
/// <param name="Measurements">The figures.</param>
public sealed record StudioBenchResult(string StartedUtc, string Machine, string Command, IReadOnlyDictionary<string, string> Settings,
    IReadOnlyList<double> LoadBefore, IReadOnlyList<double> LoadAfter, int Rounds, IReadOnlyList<StudioBenchMeasurement> Measurements);

/// <summary>Writes and reads <see cref="StudioBenchResult"/> files and renders the "Studio" section of docs/benchmarks.md.</summary>
public static class StudioBenchReport
{
    /// <summary>The command that measures the slider-to-distribution redraw (the page times it itself, in headless Chromium).</summary>
    public const string SliderCommand = "dotnet test tests/KdLabs.Studio.Tests -c Release --filter \"FullyQualifiedName~MovingTheTSlider\" --logger \"console;verbosity=detailed\"";

    /// <summary>File prefix of the slider latency the browser test records (when <see cref="SliderOutputVariable"/> is set).</summary>
    public const string SliderPrefix = "studio-slider";

    /// <summary>Environment variable naming the folder where the browser test records its slider latency.</summary>
    public const string SliderOutputVariable = "KDLABS_BENCH_OUT";

    /// <summary>The browser test's command with <see cref="SliderOutputVariable"/> set to <see cref="BenchReport.ResultsFolder"/>: it records the slider latency where <c>kdlabs bench render</c> reads it.</summary>
    public const string SliderRecordCommand = SliderOutputVariable + "=" + BenchReport.ResultsFolder + " " + SliderCommand;

    /// <summary>Writes <paramref name="result"/> atomically as <c>{prefix}-YYYYMMDD-HHMMSS.json</c> under <paramref name="directory"/>; returns the path.</summary>
    public static string Save(StudioBenchResult result, string directory, string prefix = "studio")
    {
        Directory.CreateDirectory(directory);
        string stamp = DateTime.ParseExact(result.StartedUtc, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal)
            .ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string path = Path.Combine(directory, $"{prefix}-{stamp}.json");
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(result, BenchReport.JsonOptions));
        return path;
    }

    /// <summary>The newest <c>{prefix}-YYYYMMDD-HHMMSS.json</c> under <paramref name="directory"/>, or null.</summary>
    public static string? Newest(string directory, string prefix = "studio") =>
        // "-2" (the century of the stamp) keeps studio-*.json from matching studio-slider-*.json.
        Directory.Exists(directory) ? Directory.GetFiles(directory, $"{prefix}-2*.json").Order(StringComparer.Ordinal).LastOrDefault() : null;

    /// <summary>Reads a studio result; a file that is not one, or lacks a field, is rejected naming the file and the field.</summary>
    public static StudioBenchResult Load(string path)
    {
        const string fix = "Delete it, or re-run `kdlabs bench studio`.";
        StudioBenchResult? r;
        try
        {
            r = JsonSerializer.Deserialize<StudioBenchResult>(File.ReadAllText(path), BenchReport.JsonOptions);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, e.Path ?? "(whole file)", $"not a `kdlabs bench studio` result ({e.Message})", fix);
        }
        if (r is null)
        {
            throw new DataFormatException(path, "(whole file)", "empty studio benchmark result", fix);
        }
        Require(r.StartedUtc is not null && DateTime.TryParseExact(r.StartedUtc, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out _),
            "StartedUtc", "missing, or not yyyy-MM-ddTHH:mm:ssZ");
        Require(!string.IsNullOrWhiteSpace(r.Machine), "Machine", "missing");
        Require(!string.IsNullOrWhiteSpace(r.Command), "Command", "missing");
        Require(r.Settings is not null, "Settings", "missing");
        Require(r.LoadBefore is not null, "LoadBefore", "missing");
        Require(r.LoadAfter is not null, "LoadAfter", "missing");
        Require(r.Rounds >= 1, "Rounds", $"must be at least 1 (got {r.Rounds})");
        Require(r.Measurements is { Count: > 0 }, "Measurements", "missing or empty");
        for (int i = 0; i < r.Measurements.Count; i++)
        {
            var m = r.Measurements[i];
            string at = $"Measurements[{i}]";
            Require(m is not null, at, "null");
            Require(!string.IsNullOrWhiteSpace(m!.Name), at + ".Name", "missing");
            Require(m.PerRound is not null && m.PerRound.Count == r.Rounds, at + ".PerRound", $"must hold one value per round ({r.Rounds})");
            Require(double.IsFinite(m.Median) && m.Median >= 0, at + ".Median", $"not a number of seconds ({m.Median.ToString(CultureInfo.InvariantCulture)})");
        }
        return r;

        void Require(bool ok, string field, string problem)
        {
            if (!ok)
            {
                throw new DataFormatException(path, field, problem, fix);
            }
        }
    }

    /// <summary>
    /// The "Studio" section of docs/benchmarks.md: every figure of <paramref name="r"/> (or a note that none is recorded),
    /// its load and its command, then the slider latency the browser test recorded in <paramref name="slider"/>, if any.
    /// </summary>
    public static string Markdown(StudioBenchResult? r, string? sourceFile, StudioBenchResult? slider = null, string? sliderFile = null)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("## Studio");
        sb.AppendLine();
        if (r is null)
        {
            sb.AppendLine("No studio run is recorded: run `./kdlabs bench studio --train-limit 10000 --teacher-epochs 1 --rounds 3`, then `./kdlabs bench render`.");
            sb.AppendLine();
            if (slider is null)
            {
                return sb.ToString();
            }
            // The browser test's record stands on its own: keep it even without a studio run.
            sb.AppendLine("| What | Target | Median | Per run | Command |");
            sb.AppendLine("|---|---|---|---|---|");
            return SliderRows(sb, slider, sliderFile);
        }
        sb.AppendLine($"The times a user of `./kdlabs studio` waits for, from {(sourceFile ?? "a studio result").Replace('\\', '/')}: each student is");
        sb.AppendLine("submitted to the studio's own scheduler (the path the page's API takes) with a fresh seed and an empty results");
        sb.AppendLine("folder, so nothing comes from the cache; times are seconds from submission, the median of the fresh runs.");
        sb.AppendLine();
        sb.AppendLine($"Measured {r.StartedUtc} on {r.Machine}.");
        sb.AppendLine($"Load average (1, 5, 15 min): {Loads(r.LoadBefore)} before the first run, {Loads(r.LoadAfter)} after the last, on {Environment.ProcessorCount.ToString(ci)} cores" +
                      (Math.Max(r.LoadBefore.FirstOrDefault(), r.LoadAfter.FirstOrDefault()) > Environment.ProcessorCount
                          ? ": **a loaded, shared machine**, so these are slower than this CPU's quiet times."
                          : "."));
        sb.AppendLine();
        sb.AppendLine("Settings: " + string.Join("; ", r.Settings.Select(kv => $"{kv.Key}: {kv.Value}")) + $"; {r.Rounds.ToString(ci)} fresh runs per figure.");
        sb.AppendLine();
        sb.AppendLine("| What | Target | Median | Per run | Command |");
        sb.AppendLine("|---|---|---|---|---|");
        foreach (var m in r.Measurements)
        {
            string target = m.TargetSeconds is { } t ? $"≤ {t.ToString("0", ci)} s: {(m.Median <= t ? "met" : "**not met**")}" : "informs";
            sb.AppendLine($"| {m.Name} | {target} | **{m.Median.ToString("0.00", ci)} s** | {string.Join(", ", m.PerRound.Select(v => v.ToString("0.00", ci)))} | `{r.Command}` |");
        }
        if (slider is null)
        {
            sb.AppendLine($"| T slider moved → softened distributions redrawn (the page's own timing, headless Chromium) | ≤ 100 ms | not recorded: run the browser test with {SliderOutputVariable}={BenchReport.ResultsFolder} | – | `{SliderRecordCommand}` |");
            sb.AppendLine();
            return sb.ToString();
        }
        return SliderRows(sb, slider, sliderFile);

    }

    private static string SliderRows(StringBuilder sb, StudioBenchResult slider, string? sliderFile)
    {
        var ci = CultureInfo.InvariantCulture;
        foreach (var m in slider.Measurements)
        {
            string target = m.TargetSeconds is { } t ? $"≤ {(t * 1000).ToString("0", ci)} ms: {(m.Median <= t ? "met" : "**not met**")}" : "informs";
            sb.AppendLine($"| {m.Name} | {target} | **{(m.Median * 1000).ToString("0.0", ci)} ms** (max {(m.PerRound.Max() * 1000).ToString("0.0", ci)} ms) | {m.PerRound.Count.ToString(ci)} moves | `{slider.Command}` |");
        }
        sb.AppendLine();
        sb.AppendLine($"The slider row is from {(sliderFile ?? "a browser-test record").Replace('\\', '/')}, measured {slider.StartedUtc}, load average {Loads(slider.LoadBefore)} before and {Loads(slider.LoadAfter)} after.");
        sb.AppendLine();
        return sb.ToString();
    }

    private static string Loads(IReadOnlyList<double> l) => l.Count == 0 ? "not recorded" : string.Join(" ", l.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)));
}
