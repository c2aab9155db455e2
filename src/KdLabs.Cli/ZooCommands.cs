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
            Infrastructure.RegularFile.Require(path, "results file", "Give the results.json that kdlabs zoo mnist wrote into its --out folder.");
            OptionChecks.Checked();
            var result = ZooReport.Read(path);
            ZooReport.Write(result, Path.GetDirectoryName(Path.GetFullPath(path))!, withJson: false);
            Console.Write(ZooReport.Markdown(result));
            return 0;
        }));
        var zoo = new Command("zoo", "The distillation method zoo: KD, FitNets, AT, FSP, multi-teacher, mutual learning, DKD side by side.");
        // One command per data set of the registry the zoo's CNNs take.
        foreach (var dataset in DatasetRegistry.All.Where(ZooOptions.Fits))
        {
            zoo.Subcommands.Add(LabCommand(dataset));
        }
        zoo.Subcommands.Add(report);
        return zoo;
    }

    private static Command LabCommand(IImageClassificationDataset dataset)
    {
        string description = $"Every distillation method on {dataset.DisplayName} ({dataset.Description}), one teacher, one student and one budget: accuracy over seeds, time per epoch, peak memory.";
        var d = new ZooOptions();
        var b = new OptionBinder<ZooOptions>(d with { Dataset = dataset.Key, Lab = d.Lab with { OutputDirectory = Path.Combine("runs", $"zoo-{dataset.Key}") } });
        b.Add(new Option<string>("--methods") { Description = $"Comma-separated method keys (kdlabs methods lists them: {string.Join(", ", ZooOptions.ZooCapable().Select(m => m.Key))}), lesson (lesson 06's nine, the default) or all." },
            nameof(ZooOptions.Methods), o => o.Methods, (o, v) => o with { Methods = v }, m => m.SequenceEqual(ZooOptions.LessonMethods) ? "lesson" : string.Join(",", m), ZooOptions.ParseMethods);
        b.AddTraining(o => o.Training, (o, v) => o with { Training = v }, "Passes over the training set per student, the same for every method.");
        b.Add(new Option<int>("--stage-one-epochs") { Description = "Of those, the passes FitNets and FSP spend on their feature stage." }, nameof(ZooOptions.StageOneEpochs), o => o.StageOneEpochs, (o, v) => o with { StageOneEpochs = v });
        b.Add(new Option<int>("--teacher-epochs") { Description = "Epochs of every ensemble teacher (default: the course teacher's, 1)." }, nameof(ZooOptions.TeacherEpochs), o => o.TeacherEpochs, (o, v) => o with { TeacherEpochs = v });
        DistillCommands.AddCountOrAll(b, "--teacher-images", "The teachers train on the first N training images (default: the course teacher's 20,000); 0: all of them.",
            nameof(ZooOptions.TeacherImages), o => o.TeacherImages, (o, v) => o with { TeacherImages = v });
        DistillCommands.AddCountOrAll(b, "--transfer-size", "Students learn from the first N labelled training images (default: lesson 02's 1,000); 0: all of them.",
            nameof(ZooOptions.TransferSize), o => o.TransferSize, (o, v) => o with { TransferSize = v });
        b.Add(new Option<int>("--teachers") { Description = "Teachers in the multi-teacher ensemble (CNN teachers of seeds 1…N, cached)." }, nameof(ZooOptions.TeacherCount), o => o.TeacherCount, (o, v) => o with { TeacherCount = v });
        b.Add(new Option<int?>("--train-limit") { Description = "Use only the first N training images." }, nameof(ZooOptions.TrainLimit), o => o.TrainLimit, (o, v) => o with { TrainLimit = v });
        b.Add(new Option<int?>("--test-limit") { Description = "Use only the first N test images." }, nameof(ZooOptions.TestLimit), o => o.TestLimit, (o, v) => o with { TestLimit = v });
        b.AddDistillation(nameof(ZooOptions.Kd), o => o.Kd, (o, v) => o with { Kd = v }, "the zoo's kd method (the other methods keep their registered settings)");
        b.AddLab(o => o.Lab, (o, v) => o with { Lab = v }, CommonOptions.DataDescription(dataset),
            "Student seeds, e.g. 1,2,3: every method runs every seed.", "Small subsets, short runs, one seed: the same code path in seconds.");
        var command = b.AddTo(new Command(dataset.Key, description));
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            var options = b.BindChecked(parse);
            LabOptions.CheckWritable(options.Lab.OutputDirectory);
            using var lab = new ZooLab(options);
            var o = lab.Options;
            AnsiConsole.MarkupLine(Markup.Escape($"Method zoo on {dataset.DisplayName}: {string.Join(", ", o.Methods)}; {o.Training.Epochs} epochs each; KD α={o.Kd.Alpha}, T={o.Kd.Temperature}; seeds {string.Join(",", o.Lab.Seeds)}{(o.Lab.Smoke ? "; smoke mode" : "")}"));
            var result = lab.Run();
            ResultTable.Print($"Method zoo on {dataset.DisplayName}, test accuracy after the last epoch{(o.Lab.Smoke ? " (SMOKE: tiny subsets)" : "")}", ZooReport.SummaryHeader, ZooReport.SummaryCells(result), rightAligned: false);
            Console.WriteLine($"teachers {string.Join(", ", result.TeacherAccuracies.Select(a => $"{a:P2}"))}, ensemble {result.EnsembleAccuracy:P2}; wall time {result.WallSeconds:0} s");
            Console.WriteLine($"wrote {Path.Combine(o.Lab.OutputDirectory, "results.json")}, results.md and report.html");
            return 0;
        }));
        return command;
    }
}
