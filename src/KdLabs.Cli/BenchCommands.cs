using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using KdLabs.Bench;
using KdLabs.Data;
using KdLabs.Infrastructure;

namespace KdLabs.Cli;

/// <summary><c>kdlabs bench</c> (the suite), <c>bench render</c>, <c>bench train</c>, <c>bench eval</c> and the internal <c>bench probe</c>.</summary>
internal static class BenchCommands
{
    // Past this, a benchmark is a typo that would run for hours.
    private const int MaxRounds = 100;

    public static Command Create()
    {
        var images = new Option<int>("--images") { Description = "Training images per epoch.", DefaultValueFactory = _ => 10000 }.Within(1, 60_000, "MNIST training images to train on");
        var batchSize = new Option<int>("--batch-size") { Description = "Mini-batch size.", DefaultValueFactory = _ => 64 }.Within(1, Infrastructure.OptionsValidation.MaxBatchSize, "images per step");
        var rounds = new Option<int>("--rounds") { Description = "Timed epochs of each loop after one warm-up epoch, alternating which runs first; the median per-round ratio is reported.", DefaultValueFactory = _ => 5 }.Within(1, MaxRounds, "timed rounds");
        var model = new Option<string>("--model") { Description = "Model to train.", DefaultValueFactory = _ => "cnn-student" };
        model.AcceptOnlyFromAmong([.. Models.ModelCatalog.Names]);
        var train = new Command("train", "Throughput of the kit's trainer against a bare TorchSharp loop (same model, data, batch size).") { images, batchSize, rounds, model };
        train.SetAction(parse => CliErrors.Guard(() =>
        {
            OptionChecks.Checked();
            MnistFiles.EnsurePresent(MnistFiles.DefaultDirectory, Console.WriteLine);
            using var data = MnistDataset.Load(train: true, limit: parse.GetValue(images));
            var r = TrainerBenchmark.Run(data, parse.GetValue(model)!, parse.GetValue(batchSize), parse.GetValue(rounds), Console.WriteLine);
            Console.WriteLine($"model {r.Model}, {r.Images} images, batch {r.BatchSize}, {r.Rounds} rounds after a warm-up epoch of each");
            Console.WriteLine($"kit trainer: {r.TrainerImagesPerSecond:0} img/s (median)");
            Console.WriteLine($"bare loop:   {r.BareImagesPerSecond:0} img/s (median)");
            Console.WriteLine($"ratio trainer/bare: {r.Ratio:0.00} (median of per-round ratios; range {r.RatioRange.Min:0.00}-{r.RatioRange.Max:0.00})");
            return 0;
        }));
        var evalImages = new Option<int>("--images") { Description = "Test images per pass.", DefaultValueFactory = _ => 4096 }.Within(1, 10_000, "MNIST test images per pass");
        var evalModel = new Option<string>("--model") { Description = "Model to run.", DefaultValueFactory = _ => "cnn-teacher" };
        evalModel.AcceptOnlyFromAmong([.. Models.ModelCatalog.Names]);
        var batchSizes = new Option<string>("--batch-sizes") { Description = "Comma-separated batch sizes.", DefaultValueFactory = _ => "16,32,64,256,1024" };
        var evalRounds = new Option<int>("--rounds") { Description = "Timed rounds over every batch size after one warm-up round; the median is reported.", DefaultValueFactory = _ => 3 }.Within(1, MaxRounds, "timed rounds");
        var threads = CommonOptions.Threads();
        var eval = new Command("eval", "Inference throughput (eval mode, no gradients) per batch size: why evaluation runs in batches of 64.") { evalImages, evalModel, batchSizes, evalRounds, threads };
        eval.SetAction(parse => CliErrors.Guard(() =>
        {
            var sizes = OptionChecks.ParseList<int>(parse.GetValue(batchSizes)!, "--batch-sizes", "16,64,256", v => OptionChecks.WholeNumber(v) is int b && b is > 0 and <= Infrastructure.OptionsValidation.MaxBatchSize ? b : null);
            OptionChecks.Checked();
            if (parse.GetValue(threads) is { } n)
            {
                TorchSharp.torch.set_num_threads(n);
            }
            MnistFiles.EnsurePresent(MnistFiles.DefaultDirectory, Console.WriteLine);
            using var data = MnistDataset.Load(train: false, limit: parse.GetValue(evalImages));
            var timings = EvalBatchBenchmark.Run(data, parse.GetValue(evalModel)!, sizes, parse.GetValue(evalRounds), Console.WriteLine);
            Console.WriteLine($"model {parse.GetValue(evalModel)}, {data.Count} test images, {TorchSharp.torch.get_num_threads()} threads; median of {parse.GetValue(evalRounds)} rounds after a warm-up round:");
            foreach (var t in timings)
            {
                Console.WriteLine($"  batch {t.BatchSize,5}: {t.MedianImagesPerSecond,8:0} img/s   (rounds: {string.Join(", ", t.Rounds.Select(r => r.ToString("0")))})");
            }
            return 0;
        }));
        var bench = new Command("bench", "The benchmark suite: every speed ratio of the kit in one run (interleaved rounds, load recorded), written to " + BenchReport.ResultsFolder + ". Subcommands render docs/benchmarks.md or time one thing.") { train, eval };
        AddSuite(bench);
        return bench;
    }

    private static void AddSuite(Command bench)
    {
        var images = new Option<int>("--images") { Description = "Training images per timed epoch.", DefaultValueFactory = _ => 2048 }.Within(1, 60_000, "MNIST training images per timed epoch");
        var evalImages = new Option<int>("--eval-images") { Description = "Test images per evaluation pass (batch 1 uses at most 256).", DefaultValueFactory = _ => 1024 }.Within(1, 10_000, "MNIST test images per pass");
        var rounds = new Option<int>("--rounds") { Description = "Timed rounds; each runs every measurement once.", DefaultValueFactory = _ => 3 }.Within(1, MaxRounds, "timed rounds");
        var threads = new Option<int>("--threads") { Description = "Intra-op threads for libtorch and PyTorch (default: the core count).", DefaultValueFactory = _ => Environment.ProcessorCount }.Within(1, OptionsValidation.MaxThreads, $"four per core of this machine's {Environment.ProcessorCount}");
        var noPyTorch = new Option<bool>("--no-pytorch") { Description = "Skip the PyTorch rows." };
        var outDir = new Option<string>("--out") { Description = "Folder for the result JSON.", DefaultValueFactory = _ => BenchReport.ResultsFolder }.NamesPath();
        bench.Options.Add(images);
        bench.Options.Add(evalImages);
        bench.Options.Add(rounds);
        bench.Options.Add(threads);
        bench.Options.Add(noPyTorch);
        bench.Options.Add(outDir);
        bench.SetAction(parse => CliErrors.Guard(() =>
        {
            OptionChecks.Checked();
            MnistFiles.EnsurePresent(MnistFiles.DefaultDirectory, Console.WriteLine);
            int n = parse.GetValue(images), t = parse.GetValue(threads);
            using var train = MnistDataset.Load(train: true, limit: n);
            using var test = MnistDataset.Load(train: false, limit: parse.GetValue(evalImages));
            string? pytorch = parse.GetValue(noPyTorch) ? null : PyTorchDescription();
            if (!parse.GetValue(noPyTorch) && pytorch is null)
            {
                Console.WriteLine($"PyTorch rows skipped: run {BenchReport.ScriptsFolder}/setup-bench.sh once (Debian's python3-torch with the OpenMP OpenBLAS).");
            }
            var options = new BenchSuiteOptions
            {
                TrainImages = n,
                EvalImages = parse.GetValue(evalImages),
                Rounds = parse.GetValue(rounds),
                Threads = t,
                PyTorchTrain = pytorch is null ? null : (model, count) => PyTorchTrain(model, count, t),
                PyTorchEval = pytorch is null ? null : (batch, count) => PyTorchEval(batch, count, t),
                PyTorchDescription = pytorch,
                AllocatorProbe = on => Probe(on ? WithoutComputeEnvironment() : WithoutComputeEnvironment(("KDLABS_ALLOCATOR", "off")), parse.GetValue(evalImages), t),
                OneArenaProbe = () => Probe(ComputeEnvironment.Variables.ToDictionary(kv => kv.Key, kv => (string?)kv.Value), parse.GetValue(evalImages), t),
                ChildEnvironment = "PyTorch and the allocator probes start without " + string.Join(", ", ComputeEnvironment.Variables.Keys) +
                    " (each library's defaults); the one-arena probe with the kit's values of them",
            };
            var result = BenchSuite.Run(train, test, options, Console.WriteLine);
            string path = BenchReport.Save(result, parse.GetValue(outDir)!);
            Console.WriteLine();
            foreach (var line in BenchReport.Lines(result))
            {
                Console.WriteLine(line);
            }
            Console.WriteLine($"load {result.Rounds.Min(r => r.LoadBefore):0.0}-{result.Rounds.Max(r => r.LoadAfter):0.0}, {result.Rounds.Count(r => r.Noisy)} of {result.Rounds.Count} rounds noisy");
            Console.WriteLine($"written: {path}  (docs/benchmarks.md: kdlabs bench render)");
            return 0;
        }));

        var from = new Option<string>("--from") { Description = "A suite JSON, or a folder whose newest suite-*.json is used.", DefaultValueFactory = _ => BenchReport.ResultsFolder }.NamesPath();
        var mdOut = new Option<string>("--out") { Description = "Markdown file to write.", DefaultValueFactory = _ => Path.Combine("docs", "benchmarks.md") }.NamesPath();
        var render = new Command("render", "Generates docs/benchmarks.md from a `kdlabs bench` result and the newest `kdlabs bench studio` result beside it.") { from, mdOut };
        render.SetAction(parse => CliErrors.Guard(() =>
        {
            OptionChecks.Checked();
            string source = parse.GetValue(from)!;
            string file = File.Exists(source) ? source : BenchReport.Newest(source)
                ?? throw new FileNotFoundException($"{source}: no suite-*.json here. Run `kdlabs bench` first, or pass --from with a result file.");
            RegularFile.Require(file, "suite result", "Pass a suite-*.json written by `kdlabs bench`, or the folder holding it.");
            var result = BenchReport.Load(file);
            string md = parse.GetValue(mdOut)!;
            string folder = Directory.Exists(source) ? source : Path.GetDirectoryName(Path.GetFullPath(file))!;
            string? studioFile = StudioBenchReport.Newest(folder);
            var studio = studioFile is null ? null : StudioBenchReport.Load(studioFile);
            string? sliderFile = StudioBenchReport.Newest(folder, StudioBenchReport.SliderPrefix);
            var slider = sliderFile is null ? null : StudioBenchReport.Load(sliderFile);
            string Relative(string f) => Path.GetRelativePath(Path.GetDirectoryName(Path.GetFullPath(md))!, Path.GetFullPath(f));
            string rendered = BenchReport.Markdown(result, Relative(file), studio, studioFile is null ? null : Relative(studioFile),
                slider, sliderFile is null ? null : Relative(sliderFile));
            AtomicFile.WriteAllText(md, BenchReport.KeepCourseTimes(rendered, File.Exists(md) ? File.ReadAllText(md) : null));
            Console.WriteLine($"{md}: rendered from {file}" + (studioFile is null ? " (no studio-*.json: the Studio section says none is recorded)" : $" and {studioFile}")
                + (sliderFile is null ? "" : $" and {sliderFile}"));
            return 0;
        }));
        bench.Subcommands.Add(render);

        var probeImages = new Option<int>("--images") { DefaultValueFactory = _ => 1024 }.Within(1, 10_000, "MNIST test images");
        var probeBatch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 1024 }.Within(1, OptionsValidation.MaxBatchSize, "images per batch");
        var probeThreads = new Option<int>("--threads") { DefaultValueFactory = _ => Environment.ProcessorCount }.Within(1, OptionsValidation.MaxThreads, "torch threads");
        var probe = new Command("probe", "Internal to `kdlabs bench`: one evaluation pass in this process, as JSON.") { probeImages, probeBatch, probeThreads };
        probe.Hidden = true;
        probe.SetAction(parse => CliErrors.Guard(() =>
        {
            OptionChecks.Checked();
            TorchSharp.torch.set_num_threads(parse.GetValue(probeThreads));
            using var data = MnistDataset.Load(train: false, limit: parse.GetValue(probeImages));
            Console.WriteLine(JsonSerializer.Serialize(BenchSuite.Probe(data, parse.GetValue(probeBatch))));
            return 0;
        }));
        bench.Subcommands.Add(probe);
    }

    private const string Python = "/usr/bin/python3";

    private static string PyScript => Path.Combine(KdLabsPaths.RepositoryRoot ?? ".", BenchReport.ScriptsFolder, "pytorch_mnist.py");

    private static string? PyTorchDescription()
    {
        if (!File.Exists(Python) || !File.Exists(PyScript))
        {
            return null;
        }
        var (code, output) = RunProcess(Python, ["-c", "import os, torch; print('PyTorch', torch.__version__, 'on', os.path.realpath('/etc/alternatives/libblas.so.3-x86_64-linux-gnu'))"], null);
        return code == 0 ? output.Trim() : null;
    }

    private static double PyTorchTrain(string model, int images, int threads) =>
        RunPyScript("--model", model, "--images", Invariant(images), "--threads", Invariant(threads)).GetProperty("images_per_second").GetDouble();

    private static double PyTorchEval(int batch, int images, int threads) =>
        RunPyScript("--model", "cnn-teacher", "--images", Invariant(images), "--threads", Invariant(threads), "--eval-batches", Invariant(batch))
            .GetProperty("eval_images_per_second").GetProperty(Invariant(batch)).GetDouble();

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Runs tools/KdLabs.Bench/scripts/pytorch_mnist.py with <paramref name="args"/> and returns the JSON object it prints last.</summary>
    private static JsonElement RunPyScript(params string[] args)
    {
        // PyTorch runs as its users run it: the kit's compute environment, which the launcher exported to this process,
        // is not passed on (its one arena and short OpenMP spin measured about 10 % slower for PyTorch's student epoch).
        var (code, output) = RunProcess(Python, [PyScript, "--data", MnistFiles.DefaultDirectory, .. args], WithoutComputeEnvironment());
        if (code != 0)
        {
            throw new InvalidOperationException($"{PyScript} failed (exit {code}):\n{output}");
        }
        using var doc = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        return doc.RootElement.Clone();
    }

    // A child's environment: the kit's compute variables removed (null), plus any other changes.
    private static Dictionary<string, string?> WithoutComputeEnvironment(params (string Name, string Value)[] set)
    {
        var env = ComputeEnvironment.Variables.Keys.ToDictionary(name => name, _ => (string?)null);
        foreach (var (name, value) in set)
        {
            env[name] = value;
        }
        return env;
    }

    private static BenchProbeResult Probe(IReadOnlyDictionary<string, string?> environment, int images, int threads)
    {
        string self = typeof(BenchCommands).Assembly.Location;
        string host = Environment.ProcessPath ?? "dotnet";
        var args = new List<string>();
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            args.Add(self);
        }
        args.AddRange(["bench", "probe", "--images", images.ToString(System.Globalization.CultureInfo.InvariantCulture), "--batch-size", "1024",
            "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        var (code, output) = RunProcess(host, args, environment);
        if (code != 0)
        {
            throw new InvalidOperationException($"bench probe failed (exit {code}):\n{output}");
        }
        return JsonSerializer.Deserialize<BenchProbeResult>(output.Trim().Split('\n')[^1])
            ?? throw new InvalidOperationException("bench probe printed no result.");
    }

    private static (int Code, string Output) RunProcess(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? env)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (name, value) in env ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout + stderr.Result);
    }
}
