using System.CommandLine;
using KdLabs.Experiments;
using KdLabs.Losses;
using KdLabs.Training;
using Spectre.Console;

namespace KdLabs.Cli;

/// <summary><c>kdlabs distill mnist --student sdt</c>: the soft-decision-tree lab's options and run.</summary>
internal sealed record SoftTreeCommandOptions(
    Option<int> Depth,
    Option<double> Lambda,
    Option<double> HardWeight,
    Option<string> LossForm,
    Option<int> Validation,
    Option<int?> Threads,
    Option<bool> LabelsOff,
    Option<bool> LabelsOnly)
{
    /// <summary>Options the tree path shares with the CNN/MLP path.</summary>
    public sealed record Shared(Option<string> Teacher, Option<double> Temperature, Option<int> Epochs, Option<int> BatchSize, Option<double> LearningRate,
        Option<int> Seed, Option<int?> TrainLimit, Option<int?> TestLimit, Option<string?> Seeds, Option<bool> Smoke, Option<string> Output, Option<string?> Data,
        Option<double> Alpha, Option<double> Dropout, Option<int> Jitter);

    public IEnumerable<Option> All => [Depth, Lambda, HardWeight, LossForm, Validation, Threads, LabelsOff, LabelsOnly];

    public static SoftTreeCommandOptions Create()
    {
        var defaults = new SoftTreeOptions();
        var lossForm = new Option<string>("--loss-form") { Description = $"sdt: reading of the paper's Eq. 2: expected (path-weighted leaf cross-entropy) or mixture (mixture likelihood). Default {Name(defaults.LossForm)}.", DefaultValueFactory = _ => Name(defaults.LossForm) };
        lossForm.AcceptOnlyFromAmong("expected", "mixture");
        return new(
            new Option<int>("--depth") { Description = "sdt: tree depth (the paper's MNIST tree: 8).", DefaultValueFactory = _ => defaults.Depth },
            new Option<double>("--lambda") { Description = "sdt: strength λ of the balance penalty.", DefaultValueFactory = _ => defaults.PenaltyStrength },
            new Option<double>("--hard-weight") { Description = "sdt: weight of the one-hot term when distilling (0: teacher's soft targets only).", DefaultValueFactory = _ => defaults.HardLabelWeight },
            lossForm,
            new Option<int>("--validation") { Description = "Hold out the last N training images (never trained on by the students or trees) and report on them instead of the test set, for choosing settings.", DefaultValueFactory = _ => 0 },
            CommonOptions.Threads(),
            new Option<bool>("--distilled-only") { Description = "sdt: skip the hard-label trees." },
            new Option<bool>("--labels-only") { Description = "sdt: skip the teacher and the distilled trees." });
    }

    public static int Run(ParseResult parse, SoftTreeCommandOptions tree, Shared shared, Action<string> checkWritable)
    {
        if (parse.GetValue(shared.Teacher) != "cnn")
        {
            throw new ArgumentException("--student sdt distils the CNN teacher; drop --teacher mlp.");
        }
        foreach (var unused in new Option[] { shared.Alpha, shared.Dropout })
        {
            if (parse.GetResult(unused) is { Implicit: false })
            {
                throw new ArgumentException($"{unused.Name} does not apply to --student sdt (see --hard-weight for the label term).");
            }
        }
        var d = new SoftTreeOptions();
        T Pick<T>(Option<T> option, T fallback) => parse.GetResult(option) is { Implicit: false } ? parse.GetValue(option)! : fallback;
        var treeOptions = d with
        {
            Depth = parse.GetValue(tree.Depth),
            PenaltyStrength = parse.GetValue(tree.Lambda),
            HardLabelWeight = parse.GetValue(tree.HardWeight),
            LossForm = parse.GetValue(tree.LossForm) == "mixture" ? SoftTreeLossForm.MixtureLikelihood : SoftTreeLossForm.ExpectedCrossEntropy,
            Temperature = Pick(shared.Temperature, d.Temperature),
            Epochs = Pick(shared.Epochs, d.Epochs),
            BatchSize = Pick(shared.BatchSize, d.BatchSize),
            LearningRate = Pick(shared.LearningRate, d.LearningRate),
            Jitter = Pick(shared.Jitter, d.Jitter),
        };
        var options = new SoftTreeLabOptions
        {
            Tree = treeOptions,
            Teacher = new MnistDistillationOptions { Seed = parse.GetValue(shared.Seed) },
            Validation = parse.GetValue(tree.Validation),
            TrainLimit = parse.GetValue(shared.TrainLimit),
            TestLimit = parse.GetValue(shared.TestLimit),
            Seeds = parse.GetValue(shared.Seeds) is { } list ? DistillCommands.ParseSeeds(list) : [1, 2, 3],
            TrainHardLabel = !parse.GetValue(tree.LabelsOff),
            TrainDistilled = !parse.GetValue(tree.LabelsOnly),
            Smoke = parse.GetValue(shared.Smoke),
            Threads = parse.GetValue(tree.Threads),
            OutputDirectory = parse.GetResult(shared.Output) is { Implicit: false } ? parse.GetValue(shared.Output)! : Path.Combine("runs", "mnist-sdt"),
            DataDirectory = parse.GetValue(shared.Data),
            // --device is declared on the command that shares these options (distill mnist).
            Device = parse.GetValue<string>("--device") ?? "auto",
        };
        checkWritable(options.OutputDirectory);
        using var lab = new SoftTreeLab(options);
        var o = lab.Options;
        var t = o.Tree;
        AnsiConsole.MarkupLine(Markup.Escape($"MNIST: CNN teacher → soft decision tree, depth {t.Depth}, T={t.Temperature}{(t.Jitter > 0 ? $", jitter ±{t.Jitter} px" : "")}, {t.Epochs} epoch(s), seeds {string.Join(",", o.Seeds)}, reported on the {lab.EvaluationName} set{(o.Smoke ? ", smoke mode" : "")}"));
        var result = lab.Run();
        Print(result);
        Console.WriteLine($"wrote {Path.Combine(options.OutputDirectory, "results.json")} and {Path.Combine(options.OutputDirectory, "report.html")}");
        return 0;
    }

    private static void Print(SoftTreeLabResult result)
    {
        var title = $"MNIST soft decision tree: {result.EvaluationSet} set, last epoch{(result.Options.Smoke ? " (SMOKE: tiny subsets)" : "")}";
        ResultTable.Print(title, SoftTreeReport.SummaryHeader, SoftTreeReport.SummaryCells(result), $"{result.Machine}; wall time {result.WallSeconds:0} s");
        ResultTable.Print("Every tree", SoftTreeReport.Header, SoftTreeReport.Cells(result));
    }

    private static string Name(SoftTreeLossForm form) => form == SoftTreeLossForm.MixtureLikelihood ? "mixture" : "expected";
}
