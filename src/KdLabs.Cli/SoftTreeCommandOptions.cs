using System.CommandLine;
using KdLabs.Experiments;
using KdLabs.Losses;
using KdLabs.Training;
using Spectre.Console;

namespace KdLabs.Cli;

/// <summary>
/// <c>kdlabs distill mnist --student sdt</c>: the soft-decision-tree lab's own options, and the MNIST lab's options it
/// shares (T, epochs, batch, lr, jitter, limits, validation and the lab settings), bound to <see cref="SoftTreeLabOptions"/>.
/// A shared option not typed keeps the tree's own default, not the CNN's.
/// </summary>
internal sealed record SoftTreeCommandOptions(OptionBinder<SoftTreeLabOptions> Binder, IReadOnlyList<Option> TreeOnly)
{
    public static SoftTreeCommandOptions Create(OptionBinder<MnistDistillationOptions> network, Option<int> validation)
    {
        var t = new OptionBinder<SoftTreeLabOptions>(new SoftTreeLabOptions());
        var tree = t.Nested("Tree", o => o.Tree, (o, v) => o with { Tree = v });
        var lossForm = tree.Add(new Option<string>("--loss-form") { Description = "sdt: reading of the paper's Eq. 2: expected (path-weighted leaf cross-entropy) or mixture (mixture likelihood)." },
            nameof(SoftTreeOptions.LossForm), x => x.LossForm, (x, v) => x with { LossForm = v }, Name, v => v == "mixture" ? SoftTreeLossForm.MixtureLikelihood : SoftTreeLossForm.ExpectedCrossEntropy);
        lossForm.AcceptOnlyFromAmong("expected", "mixture");
        Option[] treeOnly =
        [
            tree.Add(new Option<int>("--depth") { Description = "sdt: tree depth (the paper's MNIST tree: 8)." }, nameof(SoftTreeOptions.Depth), x => x.Depth, (x, v) => x with { Depth = v }),
            tree.Add(new Option<double>("--lambda") { Description = "sdt: strength λ of the balance penalty." }, nameof(SoftTreeOptions.PenaltyStrength), x => x.PenaltyStrength, (x, v) => x with { PenaltyStrength = v }),
            tree.Add(new Option<double>("--hard-weight") { Description = "sdt: weight of the one-hot term when distilling (0: teacher's soft targets only)." },
                nameof(SoftTreeOptions.HardLabelWeight), x => x.HardLabelWeight, (x, v) => x with { HardLabelWeight = v }),
            tree.Add(new Option<bool>("--fixed-beta") { Description = "sdt: keep the inverse temperature β of the inner nodes at --beta-init instead of learning it." },
                nameof(SoftTreeOptions.LearnBeta), x => x.LearnBeta, (x, v) => x with { LearnBeta = v }, v => !v, v => !v),
            tree.Add(new Option<double>("--beta-init") { Description = "sdt: initial (or, with --fixed-beta, fixed) inverse temperature β of the inner nodes." },
                nameof(SoftTreeOptions.BetaInit), x => x.BetaInit, (x, v) => x with { BetaInit = v }),
            t.Add(new Option<int>("--unlabelled") { Description = "sdt: add the N training images after the first --train-limit to the distilled trees' transfer set, with the teacher's soft targets only (their labels are never read; the hard-label trees never see them)." },
                nameof(SoftTreeLabOptions.Unlabelled), o => o.Unlabelled, (o, v) => o with { Unlabelled = v }),
            lossForm,
            t.Add(new Option<bool>("--distilled-only") { Description = "sdt: skip the hard-label trees." },
                nameof(SoftTreeLabOptions.TrainHardLabel), o => o.TrainHardLabel, (o, v) => o with { TrainHardLabel = v }, v => !v, v => !v),
            t.Add(new Option<bool>("--labels-only") { Description = "sdt: skip the teacher and the distilled trees." },
                nameof(SoftTreeLabOptions.TrainDistilled), o => o.TrainDistilled, (o, v) => o with { TrainDistilled = v }, v => !v, v => !v),
        ];
        tree.Also(network.Find<double>($"{nameof(MnistDistillationOptions.Kd)}.{nameof(Methods.KdOptions.Temperature)}"), nameof(SoftTreeOptions.Temperature), (x, v) => x with { Temperature = v });
        tree.Also(network.Find<int>(TrainingSetting(nameof(TrainingSettings.Epochs))), nameof(SoftTreeOptions.Epochs), (x, v) => x with { Epochs = v });
        tree.Also(network.Find<int>(TrainingSetting(nameof(TrainingSettings.BatchSize))), nameof(SoftTreeOptions.BatchSize), (x, v) => x with { BatchSize = v });
        tree.Also(network.Find<double>(TrainingSetting(nameof(TrainingSettings.LearningRate))), nameof(SoftTreeOptions.LearningRate), (x, v) => x with { LearningRate = v });
        tree.Also(network.Find<int>(nameof(MnistDistillationOptions.Jitter)), nameof(SoftTreeOptions.Jitter), (x, v) => x with { Jitter = v });
        t.Also(network.Find<int?>(nameof(MnistDistillationOptions.TrainLimit)), nameof(SoftTreeLabOptions.TrainLimit), (o, v) => o with { TrainLimit = v });
        t.Also(network.Find<int?>(nameof(MnistDistillationOptions.TestLimit)), nameof(SoftTreeLabOptions.TestLimit), (o, v) => o with { TestLimit = v });
        t.Also(validation, nameof(SoftTreeLabOptions.Validation), (o, v) => o with { Validation = v });
        var lab = t.Nested("Lab", o => o.Lab, (o, v) => o with { Lab = v });
        lab.Also(network.Find<string>("Lab.OutputDirectory"), nameof(LabSettings.OutputDirectory), (l, v) => l with { OutputDirectory = v });
        lab.Also(network.Find<string?>("Lab.DataDirectory"), nameof(LabSettings.DataDirectory), (l, v) => l with { DataDirectory = v });
        lab.Also(network.Find<string>("Lab.Seeds"), nameof(LabSettings.Seeds), (l, v) => l with { Seeds = LabOptions.ParseSeeds(v) });
        lab.Also(network.Find<int?>("Lab.Threads"), nameof(LabSettings.Threads), (l, v) => l with { Threads = v });
        lab.Also(network.Find<string>("Lab.Device"), nameof(LabSettings.Device), (l, v) => l with { Device = v });
        lab.Also(network.Find<bool>("Lab.Smoke"), nameof(LabSettings.Smoke), (l, v) => l with { Smoke = v });
        return new(t, treeOnly);
    }

    public int Run(ParseResult parse)
    {
        var options = Binder.BindChecked(parse);
        LabOptions.CheckWritable(options.Lab.OutputDirectory);
        using var lab = new SoftTreeLab(options);
        var o = lab.Options;
        var t = o.Tree;
        AnsiConsole.MarkupLine(Markup.Escape($"MNIST: CNN teacher → soft decision tree, depth {t.Depth}, T={t.Temperature}, λ={t.PenaltyStrength}, β {(t.LearnBeta ? "learned from" : "fixed at")} {t.BetaInit}{(t.Jitter > 0 ? $", jitter ±{t.Jitter} px" : "")}{(o.Unlabelled > 0 ? $", {o.Unlabelled:N0} unlabelled images for the distilled trees" : "")}, {t.Epochs} epoch(s), seeds {string.Join(",", o.Lab.Seeds)}, reported on the {lab.EvaluationName} set{(o.Lab.Smoke ? ", smoke mode" : "")}"));
        var result = lab.Run();
        var title = $"MNIST soft decision tree: {result.EvaluationSet} set, last epoch{(o.Lab.Smoke ? " (SMOKE: tiny subsets)" : "")}";
        ResultTable.Print(title, SoftTreeReport.SummaryHeader, SoftTreeReport.SummaryCells(result), $"{result.Machine}; wall time {result.WallSeconds:0} s");
        ResultTable.Print("Every tree", SoftTreeReport.Header, SoftTreeReport.Cells(result));
        foreach (string caveat in SoftTreeReport.Caveats(result))
        {
            Console.WriteLine(caveat);
        }
        Console.WriteLine($"wrote {LabFiles.In(o.Lab.OutputDirectory)}");
        return 0;
    }

    private static string Name(SoftTreeLossForm form) => form == SoftTreeLossForm.MixtureLikelihood ? "mixture" : "expected";

    // The network lab's option bound to one of its Training settings, e.g. "Training.Epochs".
    private static string TrainingSetting(string name) => $"{nameof(MnistDistillationOptions.Training)}.{name}";
}
