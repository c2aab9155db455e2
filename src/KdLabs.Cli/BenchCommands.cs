using System.CommandLine;
using KdLabs.Data;
using KdLabs.Experiments;

namespace KdLabs.Cli;

/// <summary><c>kdlabs bench train</c>.</summary>
internal static class BenchCommands
{
    public static Command Create()
    {
        var images = new Option<int>("--images") { Description = "Training images per epoch.", DefaultValueFactory = _ => 10000 };
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
        return new Command("bench", "Benchmarks.") { train };
    }
}
