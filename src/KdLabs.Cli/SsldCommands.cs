using System.CommandLine;
using KdLabs.Experiments;
using Spectre.Console;

namespace KdLabs.Cli;

/// <summary><c>kdlabs ssld mnist</c>: the SSLD lab (lesson 05).</summary>
internal static class SsldCommands
{
    public static Command Create()
    {
        var d = new SsldOptions();
        var labeled = new Option<int>("--labeled") { Description = "Labelled training images, class-balanced (a multiple of 10).", DefaultValueFactory = _ => d.Labeled };
        var topK = new Option<int>("--top-k") { Description = "Unlabelled images mined per class by teacher confidence.", DefaultValueFactory = _ => d.TopK };
        var ssldEpochs = new Option<int>("--epochs") { Description = "Epochs of label-free distillation (the ablation trains twice as long unless --longer-epochs).", DefaultValueFactory = _ => d.SsldEpochs };
        var longer = new Option<int?>("--longer-epochs") { Description = "Epochs of the 'longer training' ablation." };
        var seeds = new Option<string?>("--seeds") { Description = "Seeds of the main rows, e.g. 1,2,3 (ablations use the first)." };
        var noAblations = new Option<bool>("--no-ablations") { Description = "Only the main rows." };
        var wholePool = new Option<bool>("--whole-pool") { Description = "Main SSLD rows distil on the whole unlabelled pool instead of the mined top-k." };
        var threads = CommonOptions.Threads();
        var device = CommonOptions.Device();
        var smoke = new Option<bool>("--smoke") { Description = "Small subsets and one epoch: the same code path in seconds." };
        var output = CommonOptions.LabOutput(d.OutputDirectory);
        var data = CommonOptions.MnistData();
        var mnist = new Command("mnist", "SSLD at MNIST scale: a teacher trained on a few labels, top-k mining of unlabelled images, label-free JS distillation, fine-tune, ablations.")
        {
            labeled, topK, ssldEpochs, longer, seeds, noAblations, wholePool, threads, smoke, output, data, device,
        };
        mnist.SetAction(parse => CliErrors.Guard(() =>
        {
            int epochs = parse.GetValue(ssldEpochs);
            var options = new SsldOptions
            {
                Labeled = parse.GetValue(labeled),
                TopK = parse.GetValue(topK),
                SsldEpochs = epochs,
                LongerEpochs = parse.GetValue(longer) ?? 2 * epochs,
                Seeds = parse.GetValue(seeds) is { } list ? DistillCommands.ParseSeeds(list) : d.Seeds,
                Ablations = !parse.GetValue(noAblations),
                MineTopK = !parse.GetValue(wholePool),
                Threads = parse.GetValue(threads),
                Device = parse.GetValue(device)!,
                Smoke = parse.GetValue(smoke),
                OutputDirectory = parse.GetValue(output)!,
                DataDirectory = parse.GetValue(data),
            };
            DistillCommands.CheckWritable(options.OutputDirectory);
            using var lab = new SsldLab(options);
            var o = lab.Options;
            AnsiConsole.MarkupLine(Markup.Escape($"SSLD on MNIST: {o.Labeled:N0} labelled images, {(o.MineTopK ? $"top {o.TopK} per class mined" : "the whole pool")}, seeds {string.Join(",", o.Seeds)}{(o.Smoke ? ", smoke mode" : "")}"));
            var result = lab.Run();
            ResultTable.Print($"SSLD on MNIST, test accuracy after the last epoch{(o.Smoke ? " (SMOKE: tiny subsets)" : "")}", SsldReport.SummaryHeader, SsldReport.SummaryCells(result), rightAligned: false);
            Console.WriteLine($"mined per class: {string.Join(" ", result.MinedPerClass)} (teacher's class right for {result.MinedPseudoLabelAccuracy:P2}); teacher {result.TeacherAccuracy:P2}; wall time {result.WallSeconds:0} s");
            Console.WriteLine($"wrote {Path.Combine(options.OutputDirectory, "results.json")} and {Path.Combine(options.OutputDirectory, "report.html")}");
            return 0;
        }));
        return new Command("ssld", "Semi-supervised label distillation (PaddleClas SSLD).") { mnist };
    }
}
