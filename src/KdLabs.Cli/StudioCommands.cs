using System.CommandLine;
using System.Diagnostics;
using KdLabs.Bench;
using KdLabs.Experiments;
using KdLabs.Studio;
using KdLabs.Training;

namespace KdLabs.Cli;

/// <summary><c>kdlabs studio</c> (the local page for tweaking α and T) and <c>kdlabs bench studio</c>.</summary>
internal static class StudioCommands
{
    public static void AddTo(RootCommand root)
    {
        root.Subcommands.Add(Studio());
        root.Subcommands.Single(c => c.Name == "bench").Subcommands.Add(Bench());
    }

    private static Command Studio()
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0: a free port).", DefaultValueFactory = _ => 5117 }.Within(0, 65535, "0: a free port");
        var open = new Option<bool>("--open") { Description = "Open the page in the default browser." };
        var smoke = new Option<bool>("--smoke") { Description = "Smoke-sized teacher and data (2,000 training, 1,000 test images): starts in seconds." };
        var threads = CommonOptions.Threads();
        var data = CommonOptions.MnistData();
        var (trainLimit, teacherEpochs) = TeacherOptions();
        var command = new Command("studio", "A local web page to tweak α, T, student, epochs, training-set size and seeds and watch the students train, live, in lesson 02's regime.") { port, open, smoke, threads, data, trainLimit, teacherEpochs };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var options = new StudioOptions
            {
                Port = parse.GetValue(port), Smoke = parse.GetValue(smoke), DataDirectory = parse.GetValue(data),
                TrainLimit = parse.GetValue(trainLimit), TeacherEpochs = parse.GetValue(teacherEpochs),
            };
            options.Validate();
            StudioServer.RefuseUsedPort(options.Port);
            OptionChecks.Checked();
            SetThreads(parse.GetValue(threads));
            // The page answers at once; MNIST, the teacher (trained once on first use) and its logits load behind it, and
            // the page shows the teacher's epochs, accuracy and time left until training is enabled.
            var server = StudioServer.StartAsync(options, Console.WriteLine, TrainingProgress.Default()).GetAwaiter().GetResult();
            server.Ready.ContinueWith(ready =>
            {
                if (ready.Result is { } engine)
                {
                    Console.WriteLine($"studio: teacher {engine.TeacherId[..12]}… ({engine.TeacherAccuracy:P2} test accuracy) ready: the page trains students now, on up to {engine.MaxTrainSize:N0} training images");
                }
                else if (server.Status.Phase == StudioPhase.Failed)
                {
                    Console.WriteLine("studio: the teacher could not be loaded or trained (above); the page says so. Ctrl-C stops.");
                }
            }, TaskScheduler.Default);
            try
            {
                Console.WriteLine($"studio: open {server.Url} (the teacher loads behind it; Ctrl-C stops; caches are kept)");
                if (parse.GetValue(open))
                {
                    Process.Start(new ProcessStartInfo(server.Url.ToString()) { UseShellExecute = true });
                }
                server.WaitForShutdownAsync().GetAwaiter().GetResult();
            }
            finally
            {
                server.DisposeAsync().AsTask().GetAwaiter().GetResult();
                Console.WriteLine("studio: stopped.");
            }
            return 0;
        }));
        return command;
    }

    private static Command Bench()
    {
        var rounds = new Option<int>("--rounds") { Description = "Fresh runs per measurement (new seeds, nothing cached); the median is reported.", DefaultValueFactory = _ => 3 }.Within(1, 100, "fresh runs per measurement");
        var smoke = new Option<bool>("--smoke") { Description = "Smoke-sized teacher and data." };
        var threads = CommonOptions.Threads();
        var (trainLimit, teacherEpochs) = TeacherOptions();
        var outDir = new Option<string>("--out") { Description = "Folder for the result JSON (studio-*.json; `kdlabs bench render` reads the newest).", DefaultValueFactory = _ => BenchReport.ResultsFolder }.NamesPath();
        var command = new Command("studio", "Time to a small student's first streamed point and first test accuracy, and a 10k-image 1-epoch run, through the studio's scheduler; written to studio-*.json in " + BenchReport.ResultsFolder + ".") { rounds, smoke, threads, trainLimit, teacherEpochs, outDir };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            int n = parse.GetValue(rounds);
            new StudioOptions { TrainLimit = parse.GetValue(trainLimit), TeacherEpochs = parse.GetValue(teacherEpochs) }.Validate();
            OptionChecks.Checked();
            SetThreads(parse.GetValue(threads));
            string results = Path.Combine(Path.GetTempPath(), "kdlabs-bench-studio-" + Guid.NewGuid().ToString("N")[..8]);
            try
            {
                string started = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
                var options = new StudioOptions { Smoke = parse.GetValue(smoke), ResultsDirectory = results, TrainLimit = parse.GetValue(trainLimit), TeacherEpochs = parse.GetValue(teacherEpochs) };
                using var engine = StudioEngine.Start(options, TrainingProgress.Default(), Console.WriteLine);
                // The teacher's logits for the largest size measured, before any clock starts: the bench times students.
                engine.PrepareLogits(10_000);
                var store = new ResultStore(results);
                using var scheduler = new RunScheduler(engine, store, Console.WriteLine);
                var loadBefore = Infrastructure.LoadAverage.Read();
                var small = StudioBench.Measure(scheduler, engine, trainSize: Math.Min(1000, engine.MaxTrainSize), n, seedBase: 1000);
                var large = StudioBench.Measure(scheduler, engine, trainSize: Math.Min(10_000, engine.MaxTrainSize), n, seedBase: 2000);
                var loadAfter = Infrastructure.LoadAverage.Read();
                Console.WriteLine($"teacher {engine.TeacherId[..12]}… ({engine.TeacherAccuracy:P2}), {engine.MaxTrainSize:N0} training images with cached logits");
                Console.WriteLine($"student {engine.Students[0]}, 1 epoch, scored on {engine.TestSize:N0} test images; {TorchSharp.torch.get_num_threads()} torch threads; load average {Infrastructure.LoadAverage.Describe()}; median of {n} fresh runs");
                Console.WriteLine($"{small.TrainSize:N0}-image student: first streamed point {small.FirstPoint:0.00} s, first test accuracy {small.FirstAccuracy:0.00} s");
                Console.WriteLine($"{large.TrainSize:N0}-image 1-epoch KD student: trained and scored in {large.FirstAccuracy:0.00} s (first point {large.FirstPoint:0.00} s; with its no-KD baseline {large.Total:0.00} s)");
                var command = new List<string> { "./kdlabs bench studio" };
                if (parse.GetValue(smoke)) { command.Add("--smoke"); }
                if (parse.GetValue(trainLimit) is { } tl) { command.Add($"--train-limit {tl}"); }
                if (parse.GetValue(teacherEpochs) is { } te) { command.Add($"--teacher-epochs {te}"); }
                command.Add($"--rounds {n}");
                if (parse.GetValue(threads) is { } th) { command.Add($"--threads {th}"); }
                var result = new StudioBenchResult(started, RunEnvironment.Describe(), string.Join(' ', command),
                    new Dictionary<string, string>
                    {
                        ["teacher"] = $"{engine.TeacherId[..12]}… ({engine.TeacherAccuracy:P2} test accuracy), {engine.MaxTrainSize:N0} training images with cached logits",
                        ["student"] = $"{engine.Students[0]}, 1 epoch, Hinton KD",
                        ["test images"] = engine.TestSize.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
                        ["torch threads"] = TorchSharp.torch.get_num_threads().ToString(System.Globalization.CultureInfo.InvariantCulture),
                    },
                    loadBefore, loadAfter, n,
                    [
                        new($"{small.TrainSize:N0}-image student: first streamed accuracy point", 5, small.FirstPoint, small.FirstPoints),
                        new($"{small.TrainSize:N0}-image student: first test accuracy", null, small.FirstAccuracy, small.FirstAccuracies),
                        new($"{large.TrainSize:N0}-image 1-epoch KD student, trained and scored on {engine.TestSize:N0} test images", 15, large.FirstAccuracy, large.FirstAccuracies),
                        new($"{large.TrainSize:N0}-image student: first streamed accuracy point", null, large.FirstPoint, large.FirstPoints),
                        new($"{large.TrainSize:N0}-image student with its no-KD baseline (what the page waits for before the comparison)", null, large.Total, large.Totals),
                    ]);
                string path = StudioBenchReport.Save(result, parse.GetValue(outDir)!);
                Console.WriteLine($"written: {path}  (docs/benchmarks.md: kdlabs bench render)");
            }
            finally
            {
                if (Directory.Exists(results))
                {
                    Directory.Delete(results, recursive: true);
                }
            }
            return 0;
        }));
        return command;
    }

    private static (Option<int?> TrainLimit, Option<int?> TeacherEpochs) TeacherOptions() => (
        new Option<int?>("--train-limit") { Description = "Use only the first N training images: the teacher trains on up to 20,000 of them (lesson 02's), students draw from all N (default: all 60,000)." },
        new Option<int?>("--teacher-epochs") { Description = "Teacher epochs (default: lesson 02's, 1). The teacher is cached by its settings." });

    private static void SetThreads(int? threads)
    {
        if (threads is { } t)
        {
            TorchSharp.torch.set_num_threads(t);
        }
    }
}
