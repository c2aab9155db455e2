using System.CommandLine;
using KdLabs.Datasets;
using KdLabs.Experiments;
using KdLabs.Methods;
using Spectre.Console;

namespace KdLabs.Cli;

/// <summary><c>kdlabs zoo mnist</c> and <c>kdlabs zoo fashion-mnist</c>: the distillation method zoo (lesson 06).</summary>
internal static class ZooCommands
{
    public static Command Create()
    {
        var resultsFile = new Argument<string>("results") { Description = "A results.json written by kdlabs zoo mnist (or fashion-mnist)." };
        var report = new Command("report", "Render results.md and report.html again from a zoo's results.json (no training), next to it.") { resultsFile };
        report.SetAction(parse => CliErrors.Guard(() =>
        {
            string path = parse.GetValue(resultsFile)!;
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{path}: no such file. Run kdlabs zoo mnist first; it writes results.json into its --out folder.", path);
            }
            var result = ZooReport.Read(path);
            ZooReport.Write(result, Path.GetDirectoryName(Path.GetFullPath(path))!);
            Console.Write(ZooReport.Markdown(result));
            return 0;
        }));
        return new Command("zoo", "The distillation method zoo: KD, FitNets, AT, FSP, multi-teacher, mutual learning, DKD side by side.")
        {
            LabCommand(DatasetRegistry.Mnist, "Every distillation method on one teacher, one student and one budget: accuracy over seeds, time per epoch, peak memory."),
            LabCommand(DatasetRegistry.FashionMnist, "The same zoo on Fashion-MNIST (ten clothing classes, 28×28)."),
            report,
        };
    }

    private static Command LabCommand(IImageClassificationDataset dataset, string description)
    {
        bool mnist = dataset.Key == DatasetRegistry.Mnist.Key;
        var d = new ZooOptions { Dataset = dataset.Key, OutputDirectory = mnist ? new ZooOptions().OutputDirectory : Path.Combine("runs", $"zoo-{dataset.Key}") };
        var methods = new Option<string>("--methods") { Description = $"Comma-separated method keys (kdlabs methods lists them: {string.Join(", ", ZooOptions.ZooCapable().Select(m => m.Key))}), lesson (lesson 06's nine, the default) or all.", DefaultValueFactory = _ => "lesson" };
        var seeds = new Option<string?>("--seeds") { Description = "Student seeds, e.g. 1,2,3 (every method runs every seed)." };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training set per student, the same for every method.", DefaultValueFactory = _ => d.Epochs };
        var stageOne = new Option<int>("--stage-one-epochs") { Description = "Of those, the passes FitNets and FSP spend on their feature stage.", DefaultValueFactory = _ => d.StageOneEpochs };
        var teachers = new Option<int>("--teachers") { Description = "Teachers in the multi-teacher ensemble (CNN teachers of seeds 1…N, cached).", DefaultValueFactory = _ => d.TeacherCount };
        var trainLimit = new Option<int?>("--train-limit") { Description = "Use only the first N training images." };
        var testLimit = new Option<int?>("--test-limit") { Description = "Use only the first N test images." };
        var threads = CommonOptions.Threads();
        var device = CommonOptions.Device();
        var smoke = new Option<bool>("--smoke") { Description = "Small subsets, short runs, one seed: the same code path in seconds." };
        var output = CommonOptions.LabOutput(d.OutputDirectory);
        var data = mnist ? CommonOptions.MnistData() : CommonOptions.IdxData(dataset.DisplayName, $"data/{dataset.Key}");
        var command = new Command(dataset.Key, description)
        {
            methods, seeds, epochs, stageOne, teachers, trainLimit, testLimit, threads, smoke, output, data, device,
        };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var options = new ZooOptions
            {
                Methods = ZooOptions.ParseMethods(parse.GetValue(methods)!),
                Seeds = parse.GetValue(seeds) is { } list ? DistillCommands.ParseSeeds(list) : d.Seeds,
                Epochs = parse.GetValue(epochs),
                StageOneEpochs = parse.GetValue(stageOne),
                TeacherCount = parse.GetValue(teachers),
                TrainLimit = parse.GetValue(trainLimit),
                TestLimit = parse.GetValue(testLimit),
                Threads = parse.GetValue(threads),
                Device = parse.GetValue(device)!,
                Smoke = parse.GetValue(smoke),
                OutputDirectory = parse.GetValue(output)!,
                DataDirectory = parse.GetValue(data),
                Dataset = dataset.Key,
            };
            DistillCommands.CheckWritable(options.OutputDirectory);
            using var lab = new ZooLab(options);
            var o = lab.Options;
            AnsiConsole.MarkupLine(Markup.Escape($"Method zoo on {dataset.DisplayName}: {string.Join(", ", o.Methods)}; {o.Epochs} epochs each; seeds {string.Join(",", o.Seeds)}{(o.Smoke ? "; smoke mode" : "")}"));
            var result = lab.Run();
            ResultTable.Print($"Method zoo on {dataset.DisplayName}, test accuracy after the last epoch{(o.Smoke ? " (SMOKE: tiny subsets)" : "")}", ZooReport.SummaryHeader, ZooReport.SummaryCells(result), rightAligned: false);
            Console.WriteLine($"teachers {string.Join(", ", result.TeacherAccuracies.Select(a => $"{a:P2}"))}, ensemble {result.EnsembleAccuracy:P2}; wall time {result.WallSeconds:0} s");
            Console.WriteLine($"wrote {Path.Combine(options.OutputDirectory, "results.json")}, results.md and report.html");
            return 0;
        }));
        return command;
    }
}
