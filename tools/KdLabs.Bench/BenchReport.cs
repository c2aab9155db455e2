using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.Json;
using System.Text;
using KdLabs.Data;
using KdLabs.Infrastructure;

namespace KdLabs.Bench;

/// <summary>Writes a <see cref="BenchSuiteResult"/> to <see cref="ResultsFolder"/> and renders docs/benchmarks.md from it.</summary>
public static class BenchReport
{
    /// <summary>
    /// Where <c>kdlabs bench</c> and <c>kdlabs bench studio</c> write their results and <c>kdlabs bench render</c> reads
    /// them, relative to the checkout: beside the benchmark code, not in runs/ (the learners' output folder).
    /// </summary>
    public const string ResultsFolder = "tools/KdLabs.Bench/results";

    /// <summary>The benchmark's scripts (PyTorch setup and comparison, allocator variants), relative to the checkout.</summary>
    public const string ScriptsFolder = "tools/KdLabs.Bench/scripts";

    /// <summary>Indented JSON; NaN (a side that was not measured) written as "NaN".</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes <paramref name="result"/> atomically as <c>suite-YYYYMMDD-HHMMSS.json</c> under <paramref name="directory"/>; returns the path.</summary>
    public static string Save(BenchSuiteResult result, string directory)
    {
        Directory.CreateDirectory(directory);
        string stamp = DateTime.ParseExact(result.StartedUtc, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal)
            .ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string path = Path.Combine(directory, $"suite-{stamp}.json");
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(result, JsonOptions));
        return path;
    }

    /// <summary>
    /// Reads a suite result; a file that is not one, or lacks a field the page is rendered from, is rejected naming the
    /// file and the field (valid JSON with a field missing deserialises to null, which would fail later as a bug).
    /// </summary>
    public static BenchSuiteResult Load(string path)
    {
        const string fix = "Delete it, or re-run `kdlabs bench`.";
        BenchSuiteResult? r;
        try
        {
            r = JsonSerializer.Deserialize<BenchSuiteResult>(File.ReadAllText(path), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, e.Path ?? "(whole file)", $"not a `kdlabs bench` result ({e.Message})", "Delete it or re-run `kdlabs bench`.", e);
        }
        if (r is null)
        {
            throw new DataFormatException(path, "(whole file)", "empty benchmark result", "Re-run `kdlabs bench`.");
        }
        Require(r.StartedUtc is not null && DateTime.TryParseExact(r.StartedUtc, "yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out _),
            "StartedUtc", "missing, or not yyyy-MM-ddTHH:mm:ssZ");
        Require(!string.IsNullOrWhiteSpace(r.Machine), "Machine", "missing");
        Require(r.Settings is not null, "Settings", "missing");
        Require(r.Rounds is { Count: > 0 }, "Rounds", "missing or empty");
        for (int i = 0; i < r.Rounds.Count; i++)
        {
            Require(r.Rounds[i] is not null, $"Rounds[{i}]", "null");
        }
        Require(r.Samples is not null, "Samples", "missing");
        foreach (var (key, values) in r.Samples!)
        {
            Require(values is not null, $"Samples.{key}", "missing its per-round values");
        }
        Require(r.Ratios is not null, "Ratios", "missing");
        for (int i = 0; i < r.Ratios!.Count; i++)
        {
            var x = r.Ratios[i];
            string at = $"Ratios[{i}]";
            Require(x is not null, at, "null");
            Require(!string.IsNullOrWhiteSpace(x!.Name), at + ".Name", "missing");
            Require(x.Question is not null, at + ".Question", "missing");
            Require(x.Numerator is not null, at + ".Numerator", "missing");
            Require(x.Denominator is not null, at + ".Denominator", "missing");
            Require(x.PerRound is not null, at + ".PerRound", "missing");
        }
        Require(r.Facts is not null, "Facts", "missing");
        // Optional (older results have none), but whole when present.
        for (int i = 0; i < (r.BatchOneLayers?.Count ?? 0); i++)
        {
            Require(r.BatchOneLayers![i] is { Layer: not null }, $"BatchOneLayers[{i}]", "null or without its Layer");
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

    /// <summary>The newest <c>suite-*.json</c> under <paramref name="directory"/>, or null.</summary>
    public static string? Newest(string directory) =>
        Directory.Exists(directory) ? Directory.GetFiles(directory, "suite-*.json").Order(StringComparer.Ordinal).LastOrDefault() : null;

    private static void AppendBatchOne(StringBuilder sb, BenchSuiteResult r)
    {
        if (r.BatchOneLayers is not { Count: > 0 } layers)
        {
            return;
        }
        var ci = CultureInfo.InvariantCulture;
        sb.AppendLine("## Batch 1: where the time goes");
        sb.AppendLine();
        sb.AppendLine("The CNN teacher's forward pass as bare libtorch calls on the model's parameters, each layer timed alone (best of");
        sb.AppendLine("three blocks, after the rounds), in microseconds per image; the max-pool is the kit's exact one, as the model runs it.");
        sb.AppendLine();
        sb.AppendLine("| Layer | Batch 1 (µs/image) | Batch 64 (µs/image) | Batch 1 ÷ batch 64 | Weights read per call | Weight read rate at batch 1 |");
        sb.AppendLine("|---|---|---|---|---|---|");
        foreach (var l in layers)
        {
            string bytes = l.WeightBytes switch
            {
                0 => "–",
                < 1_000_000 => $"{(l.WeightBytes / 1e3).ToString("0.0", ci)} kB",
                _ => $"{(l.WeightBytes / 1e6).ToString("0.00", ci)} MB",
            };
            // Only a layer whose weights outgrow the per-core caches is bound by reading them.
            string rate = l.WeightBytes >= 1_000_000 ? $"{(l.WeightBytes / (l.MicrosecondsAtOne * 1e3)).ToString("0.0", ci)} GB/s" : "–";
            sb.AppendLine($"| {l.Layer} | {l.MicrosecondsAtOne.ToString("0.0", ci)} | {l.MicrosecondsPerImageAt64.ToString("0.0", ci)} | " +
                          $"{(l.MicrosecondsAtOne / l.MicrosecondsPerImageAt64).ToString("0.0", ci)}× | {bytes} | {rate} |");
        }
        double one = layers.Sum(l => l.MicrosecondsAtOne), many = layers.Sum(l => l.MicrosecondsPerImageAt64);
        sb.AppendLine($"| **sum** | **{one.ToString("0.0", ci)}** | **{many.ToString("0.0", ci)}** | **{(one / many).ToString("0.0", ci)}×** | | |");
        sb.AppendLine();
        double bound = many / one;
        var worst = layers.OrderByDescending(l => l.MicrosecondsAtOne - l.MicrosecondsPerImageAt64).Take(2).ToList();
        sb.AppendLine($"Timed alone, the layers run at batch 1 at {bound.ToString("0.00", ci)} of their batch-64 speed per image" +
                      (bound < 1 / 1.2 ? ", below the 0.83 (1.2×) goal before any kit code runs" : "") +
                      $"; most of the gap is {string.Join(" and ", worst.Select(l => $"{l.Layer} (+{(l.MicrosecondsAtOne - l.MicrosecondsPerImageAt64).ToString("0", ci)} µs)"))}." +
                      (bound < 1 / 1.2 ? " The `eval batch 1/best` row cannot meet the goal with this network on this CPU." : ""));
        sb.AppendLine();
    }

    /// <summary>The ratio table as console lines.</summary>
    public static IEnumerable<string> Lines(BenchSuiteResult r)
    {
        foreach (var x in r.Ratios)
        {
            string target = x.Target is { } t ? $"target >= {t:0.00}: {(x.Met == true ? "met" : "NOT met")}" : "(informs)";
            yield return $"{x.Name,-36} {x.Median,6:0.00}  range {x.Min:0.00}-{x.Max:0.00}  {target}";
        }
    }

    /// <summary>The heading of the page's last section, written by <c>kdlabs course --time</c>, not by this renderer.</summary>
    public const string CourseTimesHeading = "## Course run times";

    /// <summary>
    /// <paramref name="rendered"/> with the course-time section of <paramref name="existingPage"/> (from its heading to the
    /// end) appended, so re-rendering the benchmarks keeps what <c>kdlabs course --time</c> measured.
    /// </summary>
    public static string KeepCourseTimes(string rendered, string? existingPage)
    {
        int at = existingPage?.IndexOf("\n" + CourseTimesHeading, StringComparison.Ordinal) ?? -1;
        return at < 0 ? rendered : rendered.TrimEnd('\n') + "\n" + existingPage![at..];
    }

    /// <summary>docs/benchmarks.md, generated: prose that explains the method, then every number from <paramref name="r"/>,
    /// then the "Studio" section from <paramref name="studio"/> (read from <paramref name="studioFile"/>), or a note that no studio run is recorded.</summary>
    public static string Markdown(BenchSuiteResult r, string sourceFile, StudioBenchResult? studio = null, string? studioFile = null,
        StudioBenchResult? slider = null, string? sliderFile = null)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# Benchmarks");
        sb.AppendLine();
        sb.AppendLine("<!-- Generated by `kdlabs bench render` from " + sourceFile.Replace('\\', '/') + "; do not edit by hand: re-run `kdlabs bench`, then `kdlabs bench render`. -->");
        sb.AppendLine();
        sb.AppendLine("Speed goals are ratios measured in one run, never timed tests: a shared machine's absolute speed says little, but");
        sb.AppendLine("two things timed side by side in the same round say how they compare. After one untimed warm-up round, each");
        sb.AppendLine("round times every measurement once (in reversed order every other round); each ratio is taken within a round, and");
        sb.AppendLine("the **median of the per-round ratios** is reported with its range. The 1-minute load average is recorded before and");
        sb.AppendLine("after each round; rounds where it exceeded the core count are flagged noisy.");
        sb.AppendLine();
        sb.AppendLine("```bash");
        sb.AppendLine($"{ScriptsFolder}/setup-bench.sh   # once: PyTorch 1.13 (Debian's python3-torch) on the OpenMP OpenBLAS, for the PyTorch rows");
        sb.AppendLine($"./kdlabs bench                # the suite; writes {ResultsFolder}/suite-*.json");
        sb.AppendLine($"./kdlabs bench studio --train-limit 10000 --teacher-epochs 1 --rounds 3   # the studio's latencies; writes {ResultsFolder}/studio-*.json");
        sb.AppendLine($"./kdlabs bench render         # this page, from the newest {ResultsFolder}/suite-*.json and studio-*.json");
        sb.AppendLine("```");
        sb.AppendLine();
        sb.AppendLine($"Measured {r.StartedUtc} on {r.Machine}.");
        double maxLoad = r.Rounds.Max(x => Math.Max(x.LoadBefore, x.LoadAfter));
        double minLoad = r.Rounds.Min(x => Math.Min(x.LoadBefore, x.LoadAfter));
        int noisy = r.Rounds.Count(x => x.Noisy);
        sb.AppendLine($"Load average during the run: {minLoad.ToString("0.0", ci)} to {maxLoad.ToString("0.0", ci)} on {Environment.ProcessorCount.ToString(ci)} cores; " +
                      $"{noisy} of {r.Rounds.Count} rounds flagged noisy." +
                      (noisy == r.Rounds.Count ? " **Every round ran on a loaded, shared machine**: absolute rates below are far under this CPU's quiet speed, and ratios between measurements that react differently to contention (single- against multi-threaded work, a child process against this one) are rougher than on a quiet machine." : ""));
        sb.AppendLine();
        sb.AppendLine("Settings: " + string.Join("; ", r.Settings.Select(kv => $"{kv.Key}: {kv.Value}")) + ".");
        sb.AppendLine();
        if (r.Settings.TryGetValue("eval images", out var evalImages) && int.TryParse(evalImages.Split(' ')[0], NumberStyles.Integer, ci, out int n)
            && r.Ratios.Any(x => x.Name.StartsWith("eval batch ", StringComparison.Ordinal) && int.TryParse(x.Name.Split(' ')[2].Split('/')[0], NumberStyles.Integer, ci, out int b) && b > n))
        {
            sb.AppendLine($"**Caveat:** this run evaluated {n.ToString(ci)} test images, so every batch size above {n.ToString(ci)} (including the allocator probe's 1,024) ran as one batch of {n.ToString(ci)}; run `./kdlabs bench --eval-images 4096` for true large batches.");
            sb.AppendLine();
        }
        sb.AppendLine("## Ratios");
        sb.AppendLine();
        sb.AppendLine("| Ratio | What it compares | Median | Quiet rounds | Range | Per round | Target |");
        sb.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var x in r.Ratios)
        {
            string target = x.Target is { } t ? $"≥ {t.ToString("0.00", ci)}: {(x.Met == true ? "met" : "**not met**")}" : "informs";
            sb.AppendLine($"| {x.Name} | {x.Question} | **{x.Median.ToString("0.00", ci)}** | {(x.QuietMedian is { } q ? q.ToString("0.00", ci) : "none quiet")} | " +
                          $"{x.Min.ToString("0.00", ci)}–{x.Max.ToString("0.00", ci)} | {string.Join(", ", x.PerRound.Select(v => v.ToString("0.00", ci)))} | {target} |");
        }
        sb.AppendLine();
        sb.AppendLine("## Rounds");
        sb.AppendLine();
        sb.AppendLine("| Round | Load before | Load after | Seconds | Noisy |");
        sb.AppendLine("|---|---|---|---|---|");
        foreach (var x in r.Rounds)
        {
            sb.AppendLine($"| {x.Index} | {x.LoadBefore.ToString("0.0", ci)} | {x.LoadAfter.ToString("0.0", ci)} | {x.Seconds.ToString("0", ci)} | {(x.Noisy ? "yes" : "no")} |");
        }
        sb.AppendLine();
        sb.AppendLine("## Measurements (per round)");
        sb.AppendLine();
        sb.AppendLine("Training and evaluation in images/s; `gflops` in GFLOP/s; dropout masks in elements/s; `probe:` rows in a child process.");
        sb.AppendLine();
        sb.AppendLine("| Measurement | Median | Per round |");
        sb.AppendLine("|---|---|---|");
        foreach (var (key, values) in r.Samples.Where(kv => !kv.Key.StartsWith("eval:best:", StringComparison.Ordinal)))
        {
            sb.AppendLine($"| `{key}` | {Format(BenchStatistics.Median(values))} | {string.Join(", ", values.Select(Format))} |");
        }
        sb.AppendLine();
        if (r.Facts.Count > 0)
        {
            sb.AppendLine("## Checks");
            sb.AppendLine();
            foreach (var (k, v) in r.Facts)
            {
                sb.AppendLine($"- {k}: {v}");
            }
            sb.AppendLine();
        }
        AppendBatchOne(sb, r);
        sb.Append(StudioBenchReport.Markdown(studio, studioFile, slider, sliderFile));
        sb.AppendLine("## How to read it");
        sb.AppendLine();
        sb.AppendLine("- **Allocator.** The kit sets glibc's `mallopt` when its assembly loads (`src/KdLabs/Infrastructure/NativeAllocator.cs`):");
        sb.AppendLine("  no per-buffer `mmap`, 1 GiB trim threshold, 64 MiB top pad. Without it every large buffer is fresh, zero-filled");
        sb.AppendLine("  pages from the kernel (one minor page fault per 4 KiB); the `allocator on/off` row and the page-fault checks measure");
        sb.AppendLine("  that in two child processes, and their logit hashes show the results are bit-identical. `KDLABS_ALLOCATOR=off`,");
        sb.AppendLine("  or any `MALLOC_*_` variable of your own, turns it off.");
        sb.AppendLine("- **One arena.** The kit's processes also start with `GLIBC_TUNABLES=glibc.malloc.arena_max=1`, because lesson cells,");
        sb.AppendLine("  the Studio and the CLI's training run on other threads than the main one, and such a thread's own arena maps every");
        sb.AppendLine("  buffer over 64 MiB afresh (docs/speed.md). The `one arena/default arenas` row measures the other side of that choice: a fresh process");
        sb.AppendLine("  evaluating on its main thread. The probes and PyTorch start without the kit's compute variables unless a row says so.");
        sb.AppendLine("- **Evaluation batch size.** Logits at other batch sizes are compared bit for bit with batch 64 above: where they");
        sb.AppendLine("  differ in their last bits, the default evaluation batch (64) stays, because a KD student follows its teacher's");
        sb.AppendLine("  cached logits and documented results must reproduce.");
        sb.AppendLine("- **Exact max-pool (default).** The MNIST CNNs find their max-pool's maxima with libtorch's vectorised channels-last");
        sb.AppendLine("  kernel and gather them from the NCHW input (`src/KdLabs/Models/ExactMaxPool.cs`): the same bits as `max_pool2d`");
        sb.AppendLine("  in both passes (tested, ties included), so no documented number changed; measured in interleaved A/B rounds:");
        sb.AppendLine("  teacher training 1.02–1.05×, student 1.09–1.12× ([bit-identical-speedups.md](bit-identical-speedups.md)).");
        sb.AppendLine("- **Fast CPU path (opt-in).** `KDLABS_FAST_CPU=1` (or `KdLabs.Infrastructure.FastCpu.Enabled = true` before building");
        sb.AppendLine("  models) gives the MNIST CNNs channels-last conv2 weights (so conv2, its ReLU and the max-pool run NHWC) and a");
        sb.AppendLine("  `rand_like(x).ge_(p)` dropout mask instead of libtorch's serial `bernoulli_`. Both change the numbers (another");
        sb.AppendLine("  summation order; another random stream), so it is off by default, and it stays off while its `fast CPU/default");
        sb.AppendLine("  teacher training` row above is near 1: training is where a lesson's minutes go, and rerunning every documented");
        sb.AppendLine("  number is worth a clear training gain, not a faster evaluation alone.");
        sb.AppendLine("- **Batch 1.** At batch 1, fc1 reads its whole 4.7 MB weight matrix for a single image (a matrix-vector");
        sb.AppendLine("  product, bound by memory bandwidth) and each small convolution pays its fixed cost per call; batch 64 shares both");
        sb.AppendLine("  among 64 images. \"Batch 1: where the time goes\" times each layer alone as bare libtorch calls: their sum bounds");
        sb.AppendLine("  any batch-1 evaluation of this network, whatever code calls them. `bare eval batch 1/bare batch 64` is that bound");
        sb.AppendLine("  measured whole, `kit/bare eval batch 1` the kit's batch-1 evaluation against those bare calls (the kit's forward");
        sb.AppendLine("  runs its exact max-pool, the bare one libtorch's), and `PyTorch eval batch 1/batch 64` the same network in PyTorch 1.13.");
        sb.AppendLine("- **Teacher step against the matmul ceiling.** The CNN teacher's training step is counted as 3× its forward FLOPs");
        sb.AppendLine("  (conv1, conv2, fc1, fc2 multiply-adds × 2) and compared with the best of three 2048×2048 float32 matmuls in the");
        sb.AppendLine("  same round.");
        sb.AppendLine($"- **PyTorch.** `{ScriptsFolder}/pytorch_mnist.py` trains the same network on the same images with the");
        sb.AppendLine("  same batch size, optimiser and thread count, on Debian's PyTorch 1.13 with the OpenMP OpenBLAS");
        sb.AppendLine($"  (`{ScriptsFolder}/setup-bench.sh`); each round starts it as a child process and times its second epoch, as the");
        sb.AppendLine("  kit's side is timed after a warm-up.");
        sb.AppendLine("- **Threads.** libtorch's worker threads spin while they wait: when several jobs share the cores, give each");
        sb.AppendLine("  `--threads 1` (or `OMP_NUM_THREADS=1`).");
        return sb.ToString();

        static string Format(double v) => double.IsNaN(v) ? "–" : v >= 1e6 ? v.ToString("0.00e+0", CultureInfo.InvariantCulture) : v.ToString(v >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture);
    }
}
