using System.CommandLine;
using KdLabs.Data;
using KdLabs.Experiments;

namespace KdLabs.Cli;

/// <summary><c>kdlabs bench train</c> and <c>kdlabs bench eval</c>.</summary>
internal static class BenchCommands
{
    public static Command Create()
    {
        var images = new Option<int>("--images") { Description = "Training images per epoch.", DefaultValueFactory = _ => 10000 }.AtLeast(1, "images to train on");
        var batchSize = new Option<int>("--batch-size") { Description = "Mini-batch size.", DefaultValueFactory = _ => 64 };
        var rounds = new Option<int>("--rounds") { Description = "Timed epochs of each loop after one warm-up epoch, alternating which runs first; the median per-round ratio is reported.", DefaultValueFactory = _ => 5 };
        var model = new Option<string>("--model") { Description = "Model to train.", DefaultValueFactory = _ => "cnn-student" };
        var train = new Command("train", "Throughput of the kit's trainer against a bare TorchSharp loop (same model, data, batch size).") { images, batchSize, rounds, model };
        train.SetAction(parse => CliErrors.Guard(() =>
        {
            MnistFiles.EnsurePresent(MnistFiles.DefaultDirectory, Console.WriteLine);
            using var data = MnistDataset.Load(train: true, limit: parse.GetValue(images));
            var r = TrainerBenchmark.Run(data, parse.GetValue(model)!, parse.GetValue(batchSize), parse.GetValue(rounds), Console.WriteLine);
            Console.WriteLine($"model {r.Model}, {r.Images} images, batch {r.BatchSize}, {r.Rounds} rounds after a warm-up epoch of each");
            Console.WriteLine($"kit trainer: {r.TrainerImagesPerSecond:0} img/s (median)");
            Console.WriteLine($"bare loop:   {r.BareImagesPerSecond:0} img/s (median)");
            Console.WriteLine($"ratio trainer/bare: {r.Ratio:0.00} (median of per-round ratios; range {r.RatioRange.Min:0.00}-{r.RatioRange.Max:0.00})");
            return 0;
        }));
        var evalImages = new Option<int>("--images") { Description = "Test images per pass.", DefaultValueFactory = _ => 4096 };
        var evalModel = new Option<string>("--model") { Description = "Model to run.", DefaultValueFactory = _ => "cnn-teacher" };
        var batchSizes = new Option<string>("--batch-sizes") { Description = "Comma-separated batch sizes.", DefaultValueFactory = _ => "16,32,64,256,1024" };
        var evalRounds = new Option<int>("--rounds") { Description = "Timed rounds over every batch size after one warm-up round; the median is reported.", DefaultValueFactory = _ => 3 };
        var threads = CommonOptions.Threads();
        var eval = new Command("eval", "Inference throughput (eval mode, no gradients) per batch size: why evaluation runs in batches of 64.") { evalImages, evalModel, batchSizes, evalRounds, threads };
        eval.SetAction(parse => CliErrors.Guard(() =>
        {
            if (parse.GetValue(threads) is { } n)
            {
                TorchSharp.torch.set_num_threads(n);
            }
            var sizes = parse.GetValue(batchSizes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => int.TryParse(t, out int b) && b > 0 ? b : throw new ArgumentException($"--batch-sizes: '{t}' is not a positive whole number.")).ToList();
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
        return new Command("bench", "Benchmarks.") { train, eval };
    }
}
