using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using KdLabs.Data;
using KdLabs.Evaluation;
using KdLabs.Experiments;
using KdLabs.Infrastructure;
using KdLabs.Losses;
using KdLabs.Methods;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Bench;

/// <summary>What one evaluation pass in a separate process measured (<c>kdlabs bench probe</c>).</summary>
/// <param name="ImagesPerSecond">Throughput of the timed pass (after one warm-up pass).</param>
/// <param name="MinorFaultsPerImage">Minor page faults of the timed pass per image (Linux; 0 elsewhere).</param>
/// <param name="LogitsSha256">SHA-256 of the logits' bytes: equal hashes mean bit-identical results.</param>
/// <param name="Allocator">What <see cref="NativeAllocator"/> did in that process.</param>
public sealed record BenchProbeResult(double ImagesPerSecond, double MinorFaultsPerImage, string LogitsSha256, string Allocator);

/// <summary>Sizes and hooks of a <see cref="BenchSuite"/> run.</summary>
public sealed record BenchSuiteOptions
{
    /// <summary>Training images per timed epoch.</summary>
    public int TrainImages { get; init; } = 2048;

    /// <summary>Test images per evaluation pass (batch 1 uses at most 256 of them).</summary>
    public int EvalImages { get; init; } = 1024;

    /// <summary>Timed rounds; every measurement runs once per round, in reversed order every other round.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>Training mini-batch size (kit, bare loop and PyTorch alike).</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Intra-op threads for libtorch here and in PyTorch.</summary>
    public int Threads { get; init; } = 2;

    /// <summary>Evaluation batch sizes compared with the best of them.</summary>
    public IReadOnlyList<int> EvalBatchSizes { get; init; } = [1, 64, 256, 1024];

    /// <summary>Also measure the opt-in fast CPU path (<see cref="FastCpu"/>).</summary>
    public bool MeasureFastCpu { get; init; } = true;

    /// <summary>Trains (model name, images) for one timed epoch in PyTorch and returns images/s; null skips the PyTorch rows.</summary>
    public Func<string, int, double>? PyTorchTrain { get; init; }

    /// <summary>Evaluates (batch size, test images) in PyTorch and returns images/s (batch 1 over at most 256 images); null skips those rows.</summary>
    public Func<int, int, double>? PyTorchEval { get; init; }

    /// <summary>PyTorch's version and BLAS, for the report.</summary>
    public string? PyTorchDescription { get; init; }

    /// <summary>Evaluates the teacher at batch 1,024 in a child process with (true) or without (false) the allocator settings; null skips.</summary>
    public Func<bool, BenchProbeResult>? AllocatorProbe { get; init; }

    /// <summary>The same child process as the allocator probe's "on" side, but started with one malloc arena as the kit's processes are; null skips.</summary>
    public Func<BenchProbeResult>? OneArenaProbe { get; init; }

    /// <summary>What environment the child processes (PyTorch, the probes) start with, for the report; null when none run.</summary>
    public string? ChildEnvironment { get; init; }
}

/// <summary>
/// <c>kdlabs bench</c>: every speed question of the kit answered as a ratio in one run. After an untimed warm-up round
/// of every in-process measurement, each round times every measurement once (reversing the order every other round), a ratio is taken within each round, and the median of
/// the per-round ratios is reported with its range, so a background job that slows a round slows both sides of its
/// ratios. The 1-minute load average is recorded before and after each round; rounds above the core count are
/// flagged noisy and a median over the quiet rounds alone is given too.
/// </summary>
public static class BenchSuite
{
    /// <summary>Forward FLOPs (multiply-adds count 2) of the MNIST CNN with widths (c1, c2, hidden) on a 28×28 image.</summary>
    public static double MnistCnnForwardFlops(int c1, int c2, int hidden) =>
        2.0 * (26 * 26 * c1 * 9 + 24 * 24 * c2 * c1 * 9 + (double)c2 * 12 * 12 * hidden + hidden * 10);

    /// <summary>Training FLOPs per image: forward plus a backward of twice the forward (input and weight gradients).</summary>
    public static double TeacherTrainFlopsPerImage { get; } = 3 * MnistCnnForwardFlops(32, 64, 128);

    /// <summary>Runs the suite on <paramref name="train"/> and <paramref name="test"/>.</summary>
    public static BenchSuiteResult Run(InMemoryDataset train, InMemoryDataset test, BenchSuiteOptions options, Action<string>? log = null)
    {
        if (options.Rounds < 1 || options.TrainImages < 1 || options.EvalImages < 1 || options.BatchSize < 1 || options.Threads < 1)
        {
            throw new ArgumentException("bench: rounds, images, batch size and threads must each be at least 1.");
        }
        if (options.EvalBatchSizes.Count == 0 || options.EvalBatchSizes.Any(b => b < 1))
        {
            throw new ArgumentException("bench: give at least one evaluation batch size, each at least 1.");
        }
        string started = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        set_num_threads(options.Threads);
        bool fastBefore = FastCpu.Enabled;
        FastCpu.Enabled = false;
        try
        {
            using var trainSet = train.Take(Math.Min(options.TrainImages, train.Count));
            using var evalSet = test.Take(Math.Min(options.EvalImages, test.Count));
            using var evalOne = test.Take(Math.Min(256, evalSet.Count));
            using var teacherForCache = ModelCatalog.Create("cnn-teacher", 1);
            using var cache = TeacherLogitCache.Build(teacherForCache, "bench-teacher", trainSet, Predictor.DefaultBatchSize);
            using var evalModel = ModelCatalog.Create("cnn-teacher", 1);
            FastCpu.Enabled = true;
            using var fastEvalModel = ModelCatalog.Create("cnn-teacher", 1);
            FastCpu.Enabled = false;
            var facts = new Dictionary<string, string>();
            CheckBatchInvariance(evalModel, evalSet, options.EvalBatchSizes, facts);

            var steps = Measurements(trainSet, evalSet, evalOne, cache, evalModel, fastEvalModel, options, facts);
            // A whole untimed round first: libtorch's first pass over each shape, and the process's first large buffers, are
            // slower, and a shorter warm-up left the first timed round's kit side (it runs first) 10-15 % behind. Child
            // processes warm themselves.
            foreach (var (key, measure) in steps.Where(s => !IsChildProcess(s.Key)))
            {
                measure(0);
            }
            log?.Invoke("warm-up done (not timed)");

            var samples = steps.ToDictionary(s => s.Key, _ => new List<double>());
            var rounds = new List<BenchRound>();
            for (int round = 1; round <= options.Rounds; round++)
            {
                double loadBefore = Infrastructure.LoadAverage.OneMinute();
                var clock = Stopwatch.StartNew();
                var order = round % 2 == 1 ? steps : steps.AsEnumerable().Reverse().ToList();
                foreach (var (key, measure) in order)
                {
                    double value = measure(round);
                    samples[key].Add(value);
                    log?.Invoke($"round {round}: {key} {value:0.#}");
                }
                double loadAfter = Infrastructure.LoadAverage.OneMinute();
                rounds.Add(new BenchRound(round, loadBefore, loadAfter, clock.Elapsed.TotalSeconds,
                    loadBefore > Environment.ProcessorCount || loadAfter > Environment.ProcessorCount));
                log?.Invoke($"round {round} done in {clock.Elapsed.TotalSeconds:0} s, load {loadBefore:0.0} -> {loadAfter:0.0}");
            }
            samples["train:kit:cnn-teacher:gflops"] = samples["train:kit:cnn-teacher"].Select(r => r * TeacherTrainFlopsPerImage / 1e9).ToList();
            foreach (int b in options.EvalBatchSizes)
            {
                samples[$"eval:best:{b}"] = Enumerable.Range(0, options.Rounds)
                    .Select(i => options.EvalBatchSizes.Max(s => samples[$"eval:{s}"][i])).ToList();
            }

            var ratios = Ratios(samples, rounds, options);
            var settings = new Dictionary<string, string>
            {
                ["train images"] = trainSet.Count.ToString(CultureInfo.InvariantCulture),
                ["eval images"] = $"{evalSet.Count} (batch 1: {evalOne.Count})",
                ["rounds"] = options.Rounds.ToString(CultureInfo.InvariantCulture),
                ["batch size"] = options.BatchSize.ToString(CultureInfo.InvariantCulture),
                ["intra-op threads"] = get_num_threads().ToString(CultureInfo.InvariantCulture),
                ["inter-op threads"] = get_num_interop_threads().ToString(CultureInfo.InvariantCulture),
                ["allocator"] = Describe(NativeAllocator.Current),
                ["pytorch"] = options.PyTorchDescription ?? "not measured",
                ["child processes"] = options.ChildEnvironment ?? "none",
                ["teacher training FLOPs per image"] = TeacherTrainFlopsPerImage.ToString("0", CultureInfo.InvariantCulture),
            };
            var batchOne = options.EvalBatchSizes.Contains(1) && evalSet.Count >= 64 ? BatchOneProfile.Layers(evalModel, evalSet) : null;
            return new BenchSuiteResult(started, RunEnvironment.Describe(), settings, rounds,
                samples.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<double>)kv.Value), ratios, facts)
            {
                BatchOneLayers = batchOne,
            };
        }
        finally
        {
            FastCpu.Enabled = fastBefore;
        }
    }

    /// <summary>One line for a report: "glibc 2.41: mmap max 0, trim threshold 1024 MiB, top pad 64 MiB" or why not.</summary>
    internal static string Describe(AllocatorSettings a) => a.Applied
        ? $"{a.Reason}: mmap max {a.MmapMax}, trim threshold {a.TrimThreshold >> 20} MiB, top pad {a.TopPad >> 20} MiB"
        : $"defaults ({a.Reason})";

    /// <summary>
    /// What a child process of <c>kdlabs bench probe</c> measures: the CNN teacher (seed 1) over <paramref name="data"/>
    /// at <paramref name="batchSize"/>, one warm-up pass, one timed pass with its minor page faults, and a hash of the logits.
    /// </summary>
    public static BenchProbeResult Probe(InMemoryDataset data, int batchSize)
    {
        using var model = ModelCatalog.Create("cnn-teacher", 1);
        using (Predictor.Logits(model, data, batchSize))
        {
        }
        long faults = MinorFaults();
        var clock = Stopwatch.StartNew();
        using var logits = Predictor.Logits(model, data, batchSize);
        double rate = data.Count / clock.Elapsed.TotalSeconds;
        double perImage = (MinorFaults() - faults) / (double)data.Count;
        string hash = Convert.ToHexString(SHA256.HashData(logits.contiguous().data<float>().ToArray().SelectMany(BitConverter.GetBytes).ToArray()));
        return new BenchProbeResult(rate, perImage, hash, Describe(NativeAllocator.Current));
    }

    private static List<(string Key, Func<int, double> Measure)> Measurements(InMemoryDataset trainSet, InMemoryDataset evalSet, InMemoryDataset evalOne,
        TeacherLogitCache cache, nn.Module<Tensor, Tensor> evalModel, nn.Module<Tensor, Tensor> fastEvalModel, BenchSuiteOptions o, Dictionary<string, string> facts)
    {
        int batch = o.BatchSize;
        var steps = new List<(string, Func<int, double>)>();
        foreach (string model in new[] { "cnn-teacher", "cnn-student" })
        {
            steps.Add(($"train:kit:{model}", r => TimeKit(trainSet, model, batch, r, fast: false, null)));
            steps.Add(($"train:bare:{model}", r => TrainerBenchmark.TimeBareLoop(trainSet, model, batch, r)));
            if (o.PyTorchTrain is { } py)
            {
                steps.Add(($"train:pytorch:{model}", _ => py(model, trainSet.Count)));
            }
        }
        steps.Add(("train:kd-cached:cnn-student", r => TimeKit(trainSet, "cnn-student", batch, r, fast: false, cache)));
        if (o.Threads > 1)
        {
            steps.Add(("train:kit-1-thread:cnn-student", r =>
            {
                set_num_threads(1);
                try
                {
                    return TimeKit(trainSet, "cnn-student", batch, r, fast: false, null);
                }
                finally
                {
                    set_num_threads(o.Threads);
                }
            }));
        }
        if (o.MeasureFastCpu)
        {
            steps.Add(("train:fast:cnn-teacher", r => TimeKit(trainSet, "cnn-teacher", batch, r, fast: true, null)));
        }
        steps.Add(("matmul:2048:gflops", _ => MatmulGflops(2048)));
        foreach (int b in o.EvalBatchSizes)
        {
            var data = b == 1 ? evalOne : evalSet;
            steps.Add(($"eval:{b}", _ => TimeEval(evalModel, data, b)));
        }
        if (o.EvalBatchSizes.Contains(1) && o.EvalBatchSizes.Contains(64))
        {
            foreach (int b in new[] { 1, 64 })
            {
                var data = b == 1 ? evalOne : evalSet;
                steps.Add(($"eval:bare:{b}", _ => BatchOneProfile.BareForward(evalModel, data, b)));
                if (o.PyTorchEval is { } pyEval)
                {
                    steps.Add(($"eval:pytorch:{b}", _ => pyEval(b, evalSet.Count)));
                }
            }
        }
        if (o.MeasureFastCpu)
        {
            foreach (int b in new[] { 64, 1024 })
            {
                steps.Add(($"eval:fast:{b}", _ => TimeEval(fastEvalModel, evalSet, b)));
            }
            steps.Add(("dropout-mask:bernoulli:elements-per-s", _ => TimeDropoutMask(cheap: false)));
            steps.Add(("dropout-mask:rand-ge:elements-per-s", _ => TimeDropoutMask(cheap: true)));
        }
        if (o.AllocatorProbe is { } probe)
        {
            steps.Add(("probe:allocator-on:eval:1024", _ => Probe(probe, true, facts)));
            steps.Add(("probe:allocator-off:eval:1024", _ => Probe(probe, false, facts)));
        }
        if (o.OneArenaProbe is { } oneArena)
        {
            steps.Add(("probe:one-arena:eval:1024", _ =>
            {
                var p = oneArena();
                facts["one arena: minor page faults per image at batch 1,024"] = p.MinorFaultsPerImage.ToString("0.0", CultureInfo.InvariantCulture);
                return p.ImagesPerSecond;
            }));
        }
        return steps;
    }

    private static bool IsChildProcess(string key) => key.StartsWith("probe:", StringComparison.Ordinal) || key.Contains(":pytorch:", StringComparison.Ordinal);

    private static double Probe(Func<bool, BenchProbeResult> probe, bool on, Dictionary<string, string> facts)
    {
        var p = probe(on);
        string side = on ? "on" : "off";
        facts[$"allocator {side}: minor page faults per image at batch 1,024"] = p.MinorFaultsPerImage.ToString("0.0", CultureInfo.InvariantCulture);
        facts[$"allocator {side}: logits SHA-256"] = p.LogitsSha256;
        facts[$"allocator {side}: settings"] = p.Allocator;
        if (facts.TryGetValue("allocator on: logits SHA-256", out var a) && facts.TryGetValue("allocator off: logits SHA-256", out var b))
        {
            facts["logits bit-identical with and without the allocator settings"] = (a == b) ? "yes" : "NO";
        }
        return p.ImagesPerSecond;
    }

    internal static List<BenchRatio> Ratios(Dictionary<string, List<double>> s, List<BenchRound> rounds, BenchSuiteOptions o)
    {
        var list = new List<BenchRatio>();
        void Add(string name, string question, string num, string den, double? target)
        {
            if (!s.ContainsKey(num) || !s.ContainsKey(den))
            {
                return;
            }
            var per = s[num].Zip(s[den], (a, b) => a / b).ToList();
            var quiet = per.Where((_, i) => !rounds[i].Noisy).ToList();
            list.Add(new BenchRatio(name, question, num, den, per, BenchStatistics.Median(per), quiet.Count > 0 ? BenchStatistics.Median(quiet) : null, per.Min(), per.Max(), target));
        }
        foreach (string m in new[] { "cnn-teacher", "cnn-student" })
        {
            Add($"trainer/bare {m}", "the kit's Trainer against the shortest correct TorchSharp loop (images/s)", $"train:kit:{m}", $"train:bare:{m}", 0.98);
        }
        foreach (string m in new[] { "cnn-teacher", "cnn-student" })
        {
            Add($"kit/PyTorch {m}", "the kit's Trainer against PyTorch 1.13 on the same model, batch and threads (images/s)", $"train:kit:{m}", $"train:pytorch:{m}", 1.3);
        }
        Add("KD cached/no KD cnn-student", "a KD epoch with cached teacher logits against a plain cross-entropy epoch (images/s)", "train:kd-cached:cnn-student", "train:kit:cnn-student", 0.95);
        Add($"{o.Threads} threads/1 thread cnn-student", "intra-op threads: the kit's student training at the suite's thread count against one thread", "train:kit:cnn-student", "train:kit-1-thread:cnn-student", null);
        Add("teacher step/matmul ceiling", "the teacher's training GFLOP/s against a 2048x2048 matmul's, same round", "train:kit:cnn-teacher:gflops", "matmul:2048:gflops", 0.5);
        foreach (int b in o.EvalBatchSizes)
        {
            Add($"eval batch {b}/best", "evaluation per image at this batch size against the best batch size of the round", $"eval:{b}", $"eval:best:{b}", 1 / 1.2);
        }
        Add("kit/bare eval batch 1", "the kit's evaluation at batch 1 against the shortest correct TorchSharp batch-1 forward (bare libtorch calls)", "eval:1", "eval:bare:1", null);
        Add("bare eval batch 1/bare batch 64", "the bare TorchSharp forward per image at batch 1 against batch 64: what these layers cost at batch 1 with no kit code", "eval:bare:1", "eval:bare:64", null);
        Add("PyTorch eval batch 1/batch 64", "PyTorch 1.13 evaluating the same network, per image at batch 1 against batch 64", "eval:pytorch:1", "eval:pytorch:64", null);
        foreach (int b in new[] { 1, 64 })
        {
            Add($"kit/PyTorch eval batch {b}", $"the kit's evaluation at batch {b} against PyTorch 1.13's on the same network and threads (images/s)", $"eval:{b}", $"eval:pytorch:{b}", null);
        }
        Add("allocator on/off eval 1,024", "evaluation at batch 1,024 with the kit's glibc settings against glibc's defaults (separate processes)", "probe:allocator-on:eval:1024", "probe:allocator-off:eval:1024", null);
        Add("one arena/default arenas eval 1,024", "the same fresh process evaluating on its main thread, with one malloc arena (GLIBC_TUNABLES, as the kit's processes start) against glibc's default arena count", "probe:one-arena:eval:1024", "probe:allocator-on:eval:1024", null);
        Add("fast CPU/default teacher training", "opt-in fast CPU path (channels-last, rand_like mask) against the default path, teacher training", "train:fast:cnn-teacher", "train:kit:cnn-teacher", null);
        Add("fast CPU/default eval 64", "opt-in fast CPU path against the default path, evaluation at batch 64", "eval:fast:64", "eval:64", null);
        Add("fast CPU/default eval 1,024", "opt-in fast CPU path against the default path, evaluation at batch 1,024", "eval:fast:1024", "eval:1024", null);
        Add("rand_like mask/bernoulli_ mask", "dropout mask generation: rand_like(x).ge_(p) against bernoulli_ (elements/s)", "dropout-mask:rand-ge:elements-per-s", "dropout-mask:bernoulli:elements-per-s", null);
        return list;
    }

    private static void CheckBatchInvariance(nn.Module<Tensor, Tensor> model, InMemoryDataset data, IReadOnlyList<int> sizes, Dictionary<string, string> facts)
    {
        using var reference = Predictor.Logits(model, data, Predictor.DefaultBatchSize);
        foreach (int b in sizes.Where(b => b != Predictor.DefaultBatchSize))
        {
            using var other = Predictor.Logits(model, data, b);
            using var diff = (other - reference).abs().max();
            using var same = other.eq(reference).all();
            facts[$"logits at batch {b} bit-identical to batch {Predictor.DefaultBatchSize}"] = same.item<bool>()
                ? "yes"
                : $"no (largest difference {diff.item<float>():0.###e+0})";
        }
    }

    internal static double TimeKit(InMemoryDataset train, string modelName, int batchSize, int round, bool fast, TeacherLogitCache? cache)
    {
        bool before = FastCpu.Enabled;
        FastCpu.Enabled = fast;
        try
        {
            using var model = ModelCatalog.Create(modelName, round);
            var trainer = new Trainer(new TrainerOptions { Epochs = 1, BatchSize = batchSize, Seed = round }, TrainingProgress.Silent);
            ITrainingObjective objective = cache is null ? new SupervisedObjective() : DistillationMethods.Kd.Objective(cache);
            return trainer.Fit(model, train, null, objective, "bench").Last.ImagesPerSecond;
        }
        finally
        {
            FastCpu.Enabled = before;
        }
    }

    private static double TimeEval(nn.Module<Tensor, Tensor> model, InMemoryDataset data, int batchSize)
    {
        var clock = Stopwatch.StartNew();
        using var logits = Predictor.Logits(model, data, batchSize);
        return data.Count / clock.Elapsed.TotalSeconds;
    }

    private static double MatmulGflops(int n)
    {
        using var scope = NewDisposeScope();
        // The suite measures the CPU: the ceiling, like every row it is compared with, runs there.
        var a = randn(n, n, device: CPU);
        var b = randn(n, n, device: CPU);
        a.matmul(b).Dispose();
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            a.matmul(b).Dispose();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best / 1e9;
    }

    private static double TimeDropoutMask(bool cheap)
    {
        using var scope = NewDisposeScope();
        var x = randn(64, 64, 12, 12, device: CPU); // the teacher's first dropout input at batch 64
        const int reps = 50;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++)
        {
            using var mask = cheap ? rand_like(x).ge_(0.25) : empty_like(x).bernoulli_(p: 0.75);
        }
        return reps * x.numel() / clock.Elapsed.TotalSeconds;
    }

    private static long MinorFaults()
    {
        try
        {
            // /proc/self/stat: field 10 is minflt; the command name (field 2) may hold spaces, so count after its ')'.
            string stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[7], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return 0;
        }
    }
}
