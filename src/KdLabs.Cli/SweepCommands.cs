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
        var d = new MnistDistillationOptions();
        var b = new OptionBinder<MnistDistillationOptions>(d with { Lab = d.Lab with { OutputDirectory = Path.Combine("runs", "mnist-sweep") } });
        b.AddTraining(o => o.Training, (o, v) => o with { Training = v }, "Epochs per student (and for the teacher, with --teacher-epochs 0).");
        b.Add(new Option<int?>("--train-limit") { Description = "Use only the first N training images." }, nameof(MnistDistillationOptions.TrainLimit), o => o.TrainLimit, (o, v) => o with { TrainLimit = v });
        // The teacher's and the transfer set's flags as `distill mnist` spells them, so a grid can run on the course teacher (lesson 01's).
        b.Add(new Option<int>("--teacher-epochs") { Description = "Epochs for the teacher; 0: the same as --epochs." },
            nameof(MnistDistillationOptions.TeacherEpochs), o => o.TeacherEpochs, (o, v) => o with { TeacherEpochs = v }, v => v ?? 0, DistillCommands.NoneIfZero);
        DistillCommands.AddCountOrAll(b, "--teacher-images", "The teacher trains on the first N training images; 0: all of them.",
            nameof(MnistDistillationOptions.TeacherImages), o => o.TeacherImages, (o, v) => o with { TeacherImages = v });
        DistillCommands.AddCountOrAll(b, "--transfer-size", "Every cell's student learns from the first N labelled training images (the transfer set); 0: all of them, except any --validation images.",
            nameof(MnistDistillationOptions.TransferSize), o => o.TransferSize, (o, v) => o with { TransferSize = v });
        b.Add(new Option<int>("--validation") { Description = "Hold out the last N training images (never trained on by the students) and score the grid on them instead of the test set: choose α and T there, then run the chosen pair once on the test set." },
            nameof(MnistDistillationOptions.Validation), o => o.Validation, (o, v) => o with { Validation = v });
        b.AddLab(o => o.Lab, (o, v) => o with { Lab = v }, CommonOptions.MnistDataDescription, "The seed of the teacher and every student (the first, if several).",
            "Small subsets and one epoch.", "Folder for sweep.csv, sweep.html and checkpoints.");
        var mnist = b.AddTo(new Command("mnist", "Train one distilled CNN student per (α, T) and write a CSV and a heatmap.") { alphas, temps });
        mnist.SetAction(parse => CliErrors.Guard(() =>
        {
            List<double> a = [], t = [];
            var options = b.BindChecked(parse, o =>
            {
                a = OptionChecks.ParseList(parse.GetValue(alphas)!, "--alpha", "0,0.5,1", OptionChecks.FiniteNumber);
                t = OptionChecks.ParseList(parse.GetValue(temps)!, "--temperature", "1,4", OptionChecks.FiniteNumber);
                // Every cell's α and T pass the one check every lab uses, before the first cell trains.
                a.ForEach(alpha => (o.Kd with { Alpha = alpha }).Validate());
                t.ForEach(temp => (o.Kd with { Temperature = temp }).Validate());
            });
            using var lab = new MnistDistillationLab(options);
            var cells = MnistSweep.Run(lab, a, t);
            var (csv, html) = MnistSweep.Write(cells, options.Lab.OutputDirectory, $"MNIST CNN student {lab.EvaluationName} accuracy over α × T{(options.Lab.Smoke ? " (smoke)" : "")}");
            var table = new Table().Border(TableBorder.Rounded).Title(MnistSweep.AccuracyHeader(cells)).AddColumn("α \\ T");
            foreach (var temp in t)
            {
                table.AddColumn(new TableColumn($"T={temp.ToString(CultureInfo.InvariantCulture)}").RightAligned());
            }
            foreach (var alpha in a)
            {
                table.AddRow([alpha.ToString(CultureInfo.InvariantCulture), .. t.Select(temp => cells.First(c => c.Alpha == alpha && c.Temperature == temp).Accuracy.ToString("P2", CultureInfo.InvariantCulture))]);
            }
            AnsiConsole.Write(table);
            Console.WriteLine($"wrote {csv} and {html}");
            return 0;
        }));
        return new Command("sweep", "Grid sweeps of distillation settings.") { mnist };
    }
}
