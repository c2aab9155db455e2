using System.CommandLine;
using System.Globalization;
using KdLabs.Data;
using KdLabs.Experiments;
using Spectre.Console;

namespace KdLabs.Cli;

/// <summary><c>kdlabs distill chest-xray</c> and <c>kdlabs data synth chest-xray</c>, added under the existing <c>distill</c> and <c>data</c> commands.</summary>
internal static class ChestXrayCommands
{
    public static void AddTo(RootCommand root)
    {
        root.Subcommands.Single(c => c.Name == "distill").Subcommands.Add(Distill());
        var data = root.Subcommands.Single(c => c.Name == "data");
        data.Subcommands.Add(new Command("synth", "Generate a synthetic data set.") { Synth() });
    }

    private static Command Synth()
    {
        var output = new Option<string?>("--out") { Description = "Target folder (default: data/chest_xray_synthetic/n<count>-seed<seed>)." };
        var count = new Option<int>("--count") { Description = "Training images (test and val follow in the Kaggle proportions).", DefaultValueFactory = _ => 1200 }.AtLeast(1, "training images to write");
        var seed = new Option<int>("--seed") { Description = "Generator seed: the same seed writes the same files.", DefaultValueFactory = _ => 2018 };
        var pixels = new Option<int>("--pixels") { Description = "Side of each JPEG in pixels.", DefaultValueFactory = _ => 256 }.AtLeast(8, "pixels per side");
        var testCount = new Option<int?>("--test-count") { Description = "Test images (default: the Kaggle share of --count, 624/5216)." };
        var valCount = new Option<int?>("--val-count") { Description = "Val images, in the test split's class shares (default: the Kaggle share, 16/5216)." };
        var command = new Command("chest-xray", "Write the synthetic stand-in for the Kaggle chest X-ray set (real JPEGs, same layout; not medical data).") { output, count, seed, pixels, testCount, valCount };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var set = SyntheticChestXray.Generate(parse.GetValue(output), parse.GetValue(count), parse.GetValue(seed), parse.GetValue(pixels), Console.WriteLine,
                parse.GetValue(testCount), parse.GetValue(valCount));
            Console.WriteLine($"SYNTHETIC STAND-IN {(set.Reused ? "already present" : "written")} in {set.Root}");
            Console.WriteLine(ImageFolderIndex.Discover(set.Root).Describe());
            return 0;
        }));
        return command;
    }

    private static Command Distill()
    {
        var data = new Option<string?>("--data") { Description = "Kaggle chest_xray folder (default: data/chest_xray)." };
        var synthetic = new Option<bool>("--synthetic") { Description = "Use the offline synthetic stand-in (generated on first use) instead of real radiographs." };
        var syntheticCount = new Option<int>("--synthetic-count") { Description = "Training images of the synthetic stand-in.", DefaultValueFactory = _ => 1200 }.AtLeast(1, "training images to write");
        var syntheticTestCount = new Option<int?>("--synthetic-test-count") { Description = "Test images of the synthetic stand-in (default: the Kaggle share of --synthetic-count, 624/5216)." };
        var syntheticValCount = new Option<int?>("--synthetic-val-count") { Description = "Val images of the synthetic stand-in, in the test split's class shares (default: the Kaggle share, 16/5216)." };
        var validation = new Option<bool>("--validation") { Description = "Report on the synthetic stand-in's val split instead of its test split, for choosing settings (needs --synthetic; use with --synthetic-val-count)." };
        var studentSchedule = new Option<string>("--student-schedule") { Description = "Students' learning-rate schedule: constant, or cosine (annealed to zero over the run, as the teacher's).", DefaultValueFactory = _ => "constant" };
        studentSchedule.AcceptOnlyFromAmong("constant", "cosine");
        var imageSize = new Option<int>("--image-size") { Description = "Resize images to N×N (the walk-through: 224).", DefaultValueFactory = _ => 224 };
        var freeze = new Option<bool>("--freeze-backbone") { Description = "Train only the teacher's fc layer (feature extraction) instead of fine-tuning all layers." };
        var weights = new Option<string?>("--weights") { Description = "resnet18 weights to start the teacher from: PyTorch .pth/.pt (torch.save(model.state_dict()), e.g. torchvision's ImageNet resnet18) or .safetensors (e.g. timm resnet18.tv_in1k); fc is replaced." };
        var seeds = new Option<string>("--seeds") { Description = "Comma-separated student seeds; the teacher uses the first.", DefaultValueFactory = _ => "1,2,3" };
        var teacherEpochs = new Option<int>("--teacher-epochs") { Description = "Teacher epochs.", DefaultValueFactory = _ => 5 };
        var studentEpochs = new Option<int>("--student-epochs") { Description = "Student epochs.", DefaultValueFactory = _ => 10 };
        var batchSize = new Option<int>("--batch-size") { Description = "Mini-batch size.", DefaultValueFactory = _ => 32 };
        var weight = new Option<double>("--distillation-weight") { Description = "Walk-through convention: weight of the distillation term.", DefaultValueFactory = _ => 0.25 };
        var temperatures = new Option<string>("--temperatures") { Description = "Comma-separated T values for the walk-through loss.", DefaultValueFactory = _ => "1,4" };
        var trainLimit = new Option<int?>("--train-limit") { Description = "Use a seeded sample of N training images." };
        var testLimit = new Option<int?>("--test-limit") { Description = "Use a seeded sample of N test images." };
        var smoke = new Option<bool>("--smoke") { Description = "32-px images, a few hundred samples, 1 teacher epoch: the whole path in about a minute." };
        var output = new Option<string>("--out") { Description = "Output folder for results.json, report.html and checkpoints.", DefaultValueFactory = _ => Path.Combine("runs", "chest-xray") };
        var device = CommonOptions.Device();

        var command = new Command("chest-xray", "Pneumonia on chest X-rays: ResNet-18 teacher, 4-filter CNN student without and with KD, over several seeds.")
        {
            data, synthetic, syntheticCount, syntheticTestCount, syntheticValCount, validation, studentSchedule, imageSize, freeze, weights, seeds, teacherEpochs, studentEpochs, batchSize, weight, temperatures, trainLimit, testLimit, smoke, output, device,
        };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var options = new ChestXrayOptions
            {
                DataDirectory = parse.GetValue(data),
                Synthetic = parse.GetValue(synthetic),
                SyntheticTrainCount = parse.GetValue(syntheticCount),
                SyntheticTestCount = parse.GetValue(syntheticTestCount),
                SyntheticValidationCount = parse.GetValue(syntheticValCount),
                Validation = parse.GetValue(validation),
                StudentSchedule = parse.GetValue(studentSchedule) == "cosine" ? KdLabs.Training.LrSchedule.Cosine : KdLabs.Training.LrSchedule.Constant,
                ImageSize = parse.GetValue(imageSize),
                FreezeBackbone = parse.GetValue(freeze),
                WeightsPath = parse.GetValue(weights),
                Seeds = ParseList(parse.GetValue(seeds)!, "--seeds", s => int.Parse(s, CultureInfo.InvariantCulture)),
                TeacherEpochs = parse.GetValue(teacherEpochs),
                StudentEpochs = parse.GetValue(studentEpochs),
                BatchSize = parse.GetValue(batchSize),
                DistillationWeight = parse.GetValue(weight),
                Temperatures = ParseList(parse.GetValue(temperatures)!, "--temperatures", s => double.Parse(s, CultureInfo.InvariantCulture)),
                TrainLimit = parse.GetValue(trainLimit),
                TestLimit = parse.GetValue(testLimit),
                Smoke = parse.GetValue(smoke),
                OutputDirectory = parse.GetValue(output)!,
                Device = parse.GetValue(device)!,
            };
            options.Validate();
            using var lab = new ChestXrayLab(options.ResolveData(Console.WriteLine));
            var o = lab.Options;
            AnsiConsole.MarkupLine(Markup.Escape($"Chest X-ray distillation{(options.Synthetic ? " on the SYNTHETIC STAND-IN" : "")}{(o.Validation ? ", reported on the VALIDATION split" : "")}: ResNet-18 → 4-filter CNN, {o.ImageSize}px, seeds {string.Join(",", o.Seeds)}{(o.Smoke ? ", smoke mode" : "")}"));
            var result = lab.Run();
            Print(result);
            Console.WriteLine($"wrote {Path.Combine(options.OutputDirectory, "results.json")} and {Path.Combine(options.OutputDirectory, "report.html")}");
            return 0;
        }));
        return command;
    }

    private static void Print(ChestXrayResult result)
    {
        string smoke = result.Options.Smoke ? " (SMOKE: tiny subsets)" : "";
        string split = result.Options.Validation ? "VALIDATION split (the columns named test hold validation figures)" : "test set";
        ResultTable.Print($"{result.DataLabel}: {split}, last epoch, {result.Options.StudentSchedule.ToString().ToLowerInvariant()} student learning rate{smoke}", ChestXrayReport.Header, ChestXrayReport.Cells(result),
            $"{result.Machine}; wall time {result.WallSeconds:0} s; latency ratio at 224 px {result.Latency.Speedup224:0.#}×");
        ResultTable.Print($"Students over seeds — {result.DataLabel}, {split}{smoke}", ChestXrayReport.SeedHeader, ChestXrayReport.SeedCells(result), "Δ: paired difference to the no-KD student of the same seed");
        ResultTable.Print("Teacher soft targets (training set)", ["T", "Mean prob. on the other class", "Mean entropy (bits)"], ChestXrayReport.SoftTargetCells(result), "");
    }


    private static List<T> ParseList<T>(string text, string option, Func<string, T> parse)
    {
        try
        {
            return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(parse).ToList();
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new ArgumentException($"{option} takes a comma-separated list of numbers, e.g. 1,2,3; got '{text}' ({(e is OverflowException ? "a number is out of range" : "not a number")}).");
        }
    }
}
