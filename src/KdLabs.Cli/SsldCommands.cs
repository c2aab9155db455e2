using System.CommandLine;
using KdLabs.Experiments;
using Spectre.Console;

namespace KdLabs.Cli;

/// <summary><c>kdlabs ssld mnist</c>: the SSLD lab (lesson 05).</summary>
internal static class SsldCommands
{
    public static Command Create()
    {
        var b = new OptionBinder<SsldOptions>(new SsldOptions());
        b.Add(new Option<int>("--labeled") { Description = "Labelled training images, class-balanced (a multiple of 10)." }, nameof(SsldOptions.Labeled), o => o.Labeled, (o, v) => o with { Labeled = v });
        b.Add(new Option<int>("--top-k") { Description = "Unlabelled images mined per class by teacher confidence." }, nameof(SsldOptions.TopK), o => o.TopK, (o, v) => o with { TopK = v });
        // Typed epochs also set the "longer training" ablation's to twice as many (unless --longer-epochs, bound after it, says otherwise).
        b.Add(new Option<int>("--epochs") { Description = "Epochs of label-free distillation (the ablation trains twice as long unless --longer-epochs)." },
            $"{nameof(SsldOptions.Training)}.{nameof(TrainingSettings.Epochs)}", o => o.Training.Epochs, (o, v) => o with { Training = o.Training with { Epochs = v }, LongerEpochs = 2 * v });
        b.Add(new Option<int>("--longer-epochs") { Description = "Epochs of the 'longer training' ablation." }, nameof(SsldOptions.LongerEpochs), o => o.LongerEpochs, (o, v) => o with { LongerEpochs = v });
        b.Add(new Option<bool>("--no-ablations") { Description = "Only the main rows." }, nameof(SsldOptions.Ablations), o => o.Ablations, (o, v) => o with { Ablations = v }, v => !v, v => !v);
        b.Add(new Option<bool>("--whole-pool") { Description = "Main SSLD rows distil on the whole unlabelled pool instead of the mined top-k." },
            nameof(SsldOptions.MineTopK), o => o.MineTopK, (o, v) => o with { MineTopK = v }, v => !v, v => !v);
        b.Add(new Option<int?>("--whole-pool-epochs") { Description = "Epochs of the students that distil on the whole pool (default: --epochs); 1 is about the steps of 4 over the mined images." },
            nameof(SsldOptions.WholePoolEpochs), o => o.WholePoolEpochs, (o, v) => o with { WholePoolEpochs = v });
        b.AddDistillation(nameof(SsldOptions.Kd), o => o.Kd, (o, v) => o with { Kd = v }, "the \"KD on labels only\" row");
        b.AddLab(o => o.Lab, (o, v) => o with { Lab = v }, CommonOptions.MnistDataDescription, "Seeds of the main rows, e.g. 1,2,3 (ablations use the first).",
            "Small subsets and one epoch: the same code path in seconds.");
        var mnist = b.AddTo(new Command("mnist", "SSLD at MNIST scale: a teacher trained on a few labels, top-k mining of unlabelled images, label-free JS distillation, fine-tune, ablations."));
        mnist.SetAction(parse => CliErrors.Guard(() =>
        {
            var options = b.BindChecked(parse);
            LabOptions.CheckWritable(options.Lab.OutputDirectory);
            using var lab = new SsldLab(options);
            var o = lab.Options;
            AnsiConsole.MarkupLine(Markup.Escape($"SSLD on MNIST: {o.Labeled:N0} labelled images, {(o.MineTopK ? $"top {o.TopK} per class mined" : "the whole pool")}{(o.EpochsOnWholePool() == o.Training.Epochs ? "" : $", epochs {o.EpochsOnWholePool()} on the whole pool and {o.Training.Epochs} on the mined images")}, seeds {string.Join(",", o.Lab.Seeds)}{(o.Lab.Smoke ? ", smoke mode" : "")}"));
            var result = lab.Run();
            ResultTable.Print($"SSLD on MNIST, test accuracy after the last epoch{(o.Lab.Smoke ? " (SMOKE: tiny subsets)" : "")}", SsldReport.SummaryHeader, SsldReport.SummaryCells(result), rightAligned: false);
            Console.WriteLine($"mined per class: {string.Join(" ", result.MinedPerClass)} (teacher's class right for {result.MinedPseudoLabelAccuracy:P2}); teacher {result.TeacherAccuracy:P2}; wall time {result.WallSeconds:0} s");
            Console.WriteLine($"wrote {LabFiles.In(o.Lab.OutputDirectory)}");
            return 0;
        }));
        return new Command("ssld", "Semi-supervised label distillation (PaddleClas SSLD).") { mnist };
    }
}
