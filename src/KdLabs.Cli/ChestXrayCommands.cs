using System.CommandLine;
using System.Globalization;
using KdLabs.Data;
using KdLabs.Experiments;
using Spectre.Console;

namespace KdLabs.Cli;

/// <summary><c>kdlabs distill chest-xray</c> (built by <see cref="DistillCommands"/>'s loop over the registry) and <c>kdlabs data synth chest-xray</c>, added under the existing <c>data</c> command.</summary>
internal static class ChestXrayCommands
{
    public static void AddTo(RootCommand root)
    {
        var data = root.Subcommands.Single(c => c.Name == "data");
        data.Subcommands.Add(new Command("synth", "Generate a synthetic data set.") { Synth() });
    }

    private static Command Synth()
    {
        var output = new Option<string?>("--out") { Description = "Target folder (default: data/chest_xray_synthetic/n<count>-seed<seed>)." }.NamesPath();
        var count = new Option<int>("--count") { Description = "Training images (test and val follow in the Kaggle proportions).", DefaultValueFactory = _ => 1200 }.Within(20, 100_000, "training images to write");
        var seed = new Option<int>("--seed") { Description = "Generator seed: the same seed writes the same files.", DefaultValueFactory = _ => 2018 }.Within(0, int.MaxValue, "a seed is 0 or more");
        var pixels = new Option<int>("--pixels") { Description = "Side of each JPEG in pixels.", DefaultValueFactory = _ => 256 }.Within(8, 4096, "pixels per side");
        // The same floors as the lab's options (SyntheticChestXray.SplitCounts): smaller splits cannot hold both classes fairly.
        var testCount = new Option<int?>("--test-count") { Description = "Test images (default: the Kaggle share of --count, 624/5216)." }.Within(20, 100_000, "test images to write");
        var valCount = new Option<int?>("--val-count") { Description = "Val images, in the test split's class shares (default: the Kaggle share, 16/5216)." }.Within(4, 100_000, "val images to write");
        var command = new Command("chest-xray", "Write the synthetic stand-in for the Kaggle chest X-ray set (real JPEGs, same layout; not medical data).") { output, count, seed, pixels, testCount, valCount };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            OptionChecks.Checked();
            var set = SyntheticChestXray.Generate(parse.GetValue(output), parse.GetValue(count), parse.GetValue(seed), parse.GetValue(pixels), Console.WriteLine,
                parse.GetValue(testCount), parse.GetValue(valCount));
            Console.WriteLine($"SYNTHETIC STAND-IN {(set.Reused ? "already present" : "written")} in {set.Root}");
            Console.WriteLine(ImageFolderIndex.Discover(set.Root).Describe());
            return 0;
        }));
        return command;
    }

    /// <summary><c>kdlabs distill chest-xray</c>.</summary>
    internal static Command Distill()
    {
        var b = new OptionBinder<ChestXrayOptions>(new ChestXrayOptions());
        b.Add(new Option<bool>("--synthetic") { Description = "Use the offline synthetic stand-in (generated on first use) instead of real radiographs." }, nameof(ChestXrayOptions.Synthetic), o => o.Synthetic, (o, v) => o with { Synthetic = v });
        b.Add(new Option<int>("--synthetic-count") { Description = "Training images of the synthetic stand-in." },
            nameof(ChestXrayOptions.SyntheticTrainCount), o => o.SyntheticTrainCount, (o, v) => o with { SyntheticTrainCount = v });
        b.Add(new Option<int?>("--synthetic-test-count") { Description = "Test images of the synthetic stand-in (default: the Kaggle share of --synthetic-count, 624/5216)." },
            nameof(ChestXrayOptions.SyntheticTestCount), o => o.SyntheticTestCount, (o, v) => o with { SyntheticTestCount = v });
        b.Add(new Option<int?>("--synthetic-val-count") { Description = "Val images of the synthetic stand-in, in the test split's class shares (default: the Kaggle share, 16/5216)." },
            nameof(ChestXrayOptions.SyntheticValidationCount), o => o.SyntheticValidationCount, (o, v) => o with { SyntheticValidationCount = v });
        b.Add(new Option<bool>("--validation") { Description = "Report on the synthetic stand-in's val split instead of its test split, for choosing settings (needs --synthetic; use with --synthetic-val-count)." },
            nameof(ChestXrayOptions.Validation), o => o.Validation, (o, v) => o with { Validation = v });
        b.AddTraining(o => o.Training, (o, v) => o with { Training = v }, null, schedule: "Students' learning-rate schedule: constant, or cosine (annealed to zero over the run, as the teacher's).", flagPrefix: "--student-");
        b.Add(new Option<int>("--image-size") { Description = "Resize images to N×N (the walk-through: 224)." }, nameof(ChestXrayOptions.ImageSize), o => o.ImageSize, (o, v) => o with { ImageSize = v });
        b.Add(new Option<bool>("--freeze-backbone") { Description = "Train only the teacher's fc layer (feature extraction) instead of fine-tuning all layers." }, nameof(ChestXrayOptions.FreezeBackbone), o => o.FreezeBackbone, (o, v) => o with { FreezeBackbone = v });
        b.Add(new Option<string?>("--weights") { Description = "resnet18 weights to start the teacher from: PyTorch .pth/.pt (torch.save(model.state_dict()), e.g. torchvision's ImageNet resnet18) or .safetensors (e.g. timm resnet18.tv_in1k); fc is replaced." }.NamesPath(),
            nameof(ChestXrayOptions.WeightsPath), o => o.WeightsPath, (o, v) => o with { WeightsPath = v });
        b.Add(new Option<string>("--pretrained") { Description = "Start the teacher from ImageNet weights (imagenet: ML.NET's ResNet18.onnx, fetched through NuGet on first use; image size a multiple of 32) or from scratch (none)." },
            nameof(ChestXrayOptions.Pretrained), o => o.Pretrained, (o, v) => o with { Pretrained = v }, p => p == ChestXrayTeacherStart.ImageNet ? "imagenet" : "none", p => p == "imagenet" ? ChestXrayTeacherStart.ImageNet : ChestXrayTeacherStart.Scratch).AcceptOnlyFromAmong("none", "imagenet");
        b.AddTraining(o => o.Teacher, (o, v) => o with { Teacher = v }, "Teacher epochs.", learningRate: "Adam learning rate of the teacher (cosine-annealed).",
            name: nameof(ChestXrayOptions.Teacher), flagPrefix: "--teacher-");
        b.AddTraining(o => o.Training, (o, v) => o with { Training = v }, "Student epochs.", flagPrefix: "--student-");
        // One batch size for teacher and students, as the lab has always trained them.
        var batch = b.Nested(nameof(ChestXrayOptions.Training), o => o.Training, (o, v) => o with { Training = v })
            .Add(new Option<int>("--batch-size") { Description = "Mini-batch size of the teacher and the students." }, nameof(TrainingSettings.BatchSize), t => t.BatchSize, (t, v) => t with { BatchSize = v });
        b.Nested(nameof(ChestXrayOptions.Teacher), o => o.Teacher, (o, v) => o with { Teacher = v }).Also(batch, nameof(TrainingSettings.BatchSize), (t, v) => t with { BatchSize = v });
        b.Add(new Option<double>("--distillation-weight") { Description = "Walk-through convention: weight of the distillation term." }, nameof(ChestXrayOptions.DistillationWeight), o => o.DistillationWeight, (o, v) => o with { DistillationWeight = v });
        b.Add(new Option<string>("--temperatures") { Description = "Comma-separated T values for the walk-through loss." }, nameof(ChestXrayOptions.Temperatures), o => o.Temperatures, (o, v) => o with { Temperatures = v },
            t => string.Join(",", t.Select(x => x.ToString(CultureInfo.InvariantCulture))), t => OptionChecks.ParseList(t, "--temperatures", "1,4", OptionChecks.FiniteNumber));
        b.Add(new Option<int?>("--train-limit") { Description = "Use a seeded sample of N training images." }, nameof(ChestXrayOptions.TrainLimit), o => o.TrainLimit, (o, v) => o with { TrainLimit = v });
        b.Add(new Option<int?>("--test-limit") { Description = "Use a seeded sample of N test images." }, nameof(ChestXrayOptions.TestLimit), o => o.TestLimit, (o, v) => o with { TestLimit = v });
        b.AddDistillation(nameof(ChestXrayOptions.Kd), o => o.Kd ?? new(), (o, v) => o with { Kd = v }, "the kit's general KD loss, trained beside the walk-through's");
        b.AddLab(o => o.Lab, (o, v) => o with { Lab = v }, "Kaggle chest_xray folder (default: data/chest_xray).", "Comma-separated student seeds; the teacher uses the first.",
            "32-px images, a few hundred samples, 1 teacher epoch: the whole path in about a minute.");
        var command = b.AddTo(new Command("chest-xray", "Pneumonia on chest X-rays: ResNet-18 teacher, 4-filter CNN student without and with KD, over several seeds."));
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var options = b.BindChecked(parse);
            LabOptions.CheckWritable(options.Lab.OutputDirectory);
            using var lab = new ChestXrayLab(options);
            var o = lab.Options;
            AnsiConsole.MarkupLine(Markup.Escape($"Chest X-ray distillation{(options.Synthetic ? " on the SYNTHETIC STAND-IN" : "")}{(o.Validation ? ", reported on the VALIDATION split" : "")}: ResNet-18 → 4-filter CNN, {o.ImageSize}px, seeds {string.Join(",", o.Lab.Seeds)}{(o.Lab.Smoke ? ", smoke mode" : "")}"));
            var result = lab.Run();
            Print(result);
            Console.WriteLine($"wrote {LabFiles.In(o.Lab.OutputDirectory)}");
            return 0;
        }));
        return command;
    }

    private static void Print(ChestXrayResult result)
    {
        string smoke = result.Options.Lab.Smoke ? " (SMOKE: tiny subsets)" : "";
        string split = result.Options.Validation ? "VALIDATION split" : "test set";
        ResultTable.Print($"{result.DataLabel}: {split}, last epoch, {result.Options.Training.Schedule.ToString().ToLowerInvariant()} student learning rate{smoke}", ChestXrayReport.HeaderFor(result), ChestXrayReport.Cells(result),
            $"{result.Machine}; wall time {result.WallSeconds:0} s; latency ratio at 224 px {result.Latency.Speedup224:0.#}×");
        ResultTable.Print($"Students over seeds — {result.DataLabel}, {split}{smoke}", ChestXrayReport.SeedHeaderFor(result), ChestXrayReport.SeedCells(result), "Δ: paired difference to the no-KD student of the same seed");
        ResultTable.Print("Teacher soft targets (training set)", ["T", "Mean prob. on the other class", "Mean entropy (bits)"], ChestXrayReport.SoftTargetCells(result), "");
    }
}
