using System.CommandLine;
using System.Globalization;
using KdLabs.Experiments;
using Spectre.Console;

namespace KdLabs.Cli;

/// <summary><c>kdlabs sweep mnist --alpha 0,0.5,1 --temperature 1,4</c>.</summary>
internal static class SweepCommands
{
    public static Command Create()
    {
        var alphas = new Option<string>("--alpha") { Description = "Comma-separated α values (weight of the hard-label term).", DefaultValueFactory = _ => "0,0.25,0.5,0.75,1" };
        var temps = new Option<string>("--temperature", "-T") { Description = "Comma-separated temperatures.", DefaultValueFactory = _ => "1,2,4,8" };
        var epochs = new Option<int>("--epochs") { Description = "Epochs per student (and for the teacher).", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "One seed for everything.", DefaultValueFactory = _ => 1 };
        var trainLimit = new Option<int?>("--train-limit") { Description = "Use only the first N training images." };
        var smoke = new Option<bool>("--smoke") { Description = "Small subsets and one epoch." };
        var output = new Option<string>("--out") { Description = "Folder for sweep.csv, sweep.html and checkpoints.", DefaultValueFactory = _ => Path.Combine("runs", "mnist-sweep") };
        var device = CommonOptions.Device();
        var mnist = new Command("mnist", "Train one distilled CNN student per (α, T) and write a CSV and a heatmap.") { alphas, temps, epochs, seed, trainLimit, smoke, output, device };
        mnist.SetAction(parse => CliErrors.Guard(() =>
        {
            var options = new MnistDistillationOptions
            {
                Epochs = parse.GetValue(epochs), Seed = parse.GetValue(seed), TrainLimit = parse.GetValue(trainLimit),
                Smoke = parse.GetValue(smoke), OutputDirectory = parse.GetValue(output)!, Device = parse.GetValue(device)!,
            };
            var a = ParseList(parse.GetValue(alphas)!, "--alpha");
            var t = ParseList(parse.GetValue(temps)!, "--temperature");
            using var lab = new MnistDistillationLab(options);
            var cells = MnistSweep.Run(lab, a, t);
            var (csv, html) = MnistSweep.Write(cells, options.OutputDirectory, $"MNIST CNN student accuracy over α × T{(options.Smoke ? " (smoke)" : "")}");
            var table = new Table().Border(TableBorder.Rounded).AddColumn("α \\ T");
            foreach (var temp in t)
            {
                table.AddColumn(new TableColumn($"T={temp.ToString(CultureInfo.InvariantCulture)}").RightAligned());
            }
            foreach (var alpha in a)
            {
                table.AddRow([alpha.ToString(CultureInfo.InvariantCulture), .. t.Select(temp => cells.First(c => c.Alpha == alpha && c.Temperature == temp).TestAccuracy.ToString("P2", CultureInfo.InvariantCulture))]);
            }
            AnsiConsole.Write(table);
            Console.WriteLine($"wrote {csv} and {html}");
            return 0;
        }));
        return new Command("sweep", "Grid sweeps of distillation settings.") { mnist };
    }

    private static double[] ParseList(string text, string option) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Select(v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) ? d : throw new ArgumentException($"{option}: '{v}' is not a number; use e.g. {option} 0,0.5,1."))
        .ToArray();
}
