using System.CommandLine;
using KdLabs.Datasets;
using KdLabs.Experiments;
using Spectre.Console;

namespace KdLabs.Cli;

/// <summary><c>kdlabs distill mnist</c> and <c>kdlabs distill fashion-mnist</c>: one lab, one set of options, two data sets.</summary>
internal static class DistillCommands
{
    public static Command Create() => new("distill", "Run a distillation lab.")
    {
        LabCommand(DatasetRegistry.Mnist, "Train (or reuse) a teacher, then a student without and with knowledge distillation, and compare them."),
        LabCommand(DatasetRegistry.FashionMnist, "The same lab on Fashion-MNIST (ten clothing classes, 28×28): teacher, then a student without and with distillation."),
    };

    /// <summary>The lab's command on <paramref name="dataset"/>: every option built here once, so the data sets' commands cannot drift apart.</summary>
    private static Command LabCommand(IImageClassificationDataset dataset, string description)
    {
        bool mnist = dataset.Key == DatasetRegistry.Mnist.Key;
        string defaultOut = Path.Combine("runs", $"{dataset.Key}-distill");
        var teacher = new Option<string>("--teacher") { Description = "Model family: cnn (PyTorch-example CNNs) or mlp (Hinton 2015 MLPs).", DefaultValueFactory = _ => "cnn" };
        teacher.AcceptOnlyFromAmong("cnn", "mlp");
        var preset = MnistDistillationOptions.SmallTransferSet;
        var alpha = new Option<double>("--alpha") { Description = "Weight of the hard-label CE term, in [0, 1] (1 = no distillation).", DefaultValueFactory = _ => preset.Alpha };
        var temperature = new Option<double>("--temperature", "-T") { Description = "Softmax temperature T > 0 of the distillation term.", DefaultValueFactory = _ => preset.Temperature };
        var epochs = new Option<int>("--epochs") { Description = "Epochs for the students (and the teacher, with --teacher-epochs 0).", DefaultValueFactory = _ => preset.Epochs };
        var batchSize = new Option<int>("--batch-size") { Description = "Mini-batch size.", DefaultValueFactory = _ => 64 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
        var schedule = new Option<string>("--schedule") { Description = "Learning-rate schedule of every run: constant, or cosine (annealed to zero over the run).", DefaultValueFactory = _ => "constant" };
        schedule.AcceptOnlyFromAmong("constant", "cosine");
        var plainStudents = new Option<bool>("--plain-students") { Description = "Students without dropout and jitter; the teacher keeps --dropout and --jitter (Hinton 2015's unregularised 800-800 student)." };
        var seed = new Option<int>("--seed") { Description = "One seed for data order, initialisation, dropout and augmentation.", DefaultValueFactory = _ => 1 };
        var trainLimit = new Option<int?>("--train-limit") { Description = "Use only the first N training images." };
        var testLimit = new Option<int?>("--test-limit") { Description = "Use only the first N test images." };
        var dropout = new Option<double>("--dropout") { Description = "Dropout on the MLPs' hidden layers.", DefaultValueFactory = _ => 0.0 };
        var jitter = new Option<int>("--jitter") { Description = "Random ±N pixel shifts in training (Hinton's jitter); teacher logits are then computed live.", DefaultValueFactory = _ => 0 }.AtLeast(0, "0 turns the shifts off");
        var seeds = new Option<string?>("--seeds") { Description = "Student seeds, e.g. 1,2,3: one baseline and one distilled student per seed (teacher from --seed), reported as mean ± std." };
        var teacherEpochs = new Option<int>("--teacher-epochs") { Description = "Epochs for the teacher; 0: the same as --epochs.", DefaultValueFactory = _ => preset.TeacherEpochs ?? 0 };
        var teacherImages = new Option<int>("--teacher-images") { Description = "The teacher trains on the first N training images; 0: all of them.", DefaultValueFactory = _ => preset.TeacherImages ?? 0 };
        var transferSize = new Option<int>("--transfer-size") { Description = "Students learn from the first N labelled training images (the transfer set); 0: all of them. The teacher always sees all.", DefaultValueFactory = _ => preset.TransferSize ?? 0 };
        var omitClass = new Option<int?>("--omit-class") { Description = "Leave this class (index 0-9) out of the students' transfer set (Hinton's omitted-class experiment); its logit bias is then fitted on 5,000 held-out training images." };
        var mistake = new Option<bool>("--log-target-mistake") { Description = "Also train the first seed's student with the PyTorch example's kl_div(log_softmax, log_softmax) without log_target, as written and under older libtorch's rule." };
        var smoke = new Option<bool>("--smoke") { Description = "2,000/1,000 images and one epoch: the same code path in seconds." };
        var output = new Option<string>("--out") { Description = "Output folder for results.json, report.html and checkpoints.", DefaultValueFactory = _ => defaultOut };
        var data = mnist ? CommonOptions.MnistData() : CommonOptions.IdxData(dataset.DisplayName, $"data/{dataset.Key}");
        var device = CommonOptions.Device();
        var student = new Option<string>("--student") { Description = "Student: the family's own student (default), or sdt for a soft decision tree (Frosst & Hinton 2017) distilled from the CNN teacher (MNIST only).", DefaultValueFactory = _ => "default" };
        student.AcceptOnlyFromAmong("default", "sdt");
        var tree = SoftTreeCommandOptions.Create();

        var command = new Command(dataset.Key, description)
        {
            teacher, alpha, temperature, epochs, batchSize, lr, seed, trainLimit, testLimit, dropout, jitter, seeds, smoke, output, data, student, device,
        };
        // Options of the CNN/MLP students only; the soft-tree path refuses them, as the CNN/MLP path refuses the tree's.
        Option[] networkOnly = [teacherEpochs, teacherImages, transferSize, omitClass, mistake, schedule, plainStudents];
        foreach (var option in networkOnly)
        {
            command.Options.Add(option);
        }
        foreach (var option in tree.All)
        {
            command.Options.Add(option);
        }
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            if (parse.GetValue(student) == "sdt")
            {
                if (!mnist)
                {
                    throw new ArgumentException($"--student sdt (the soft decision tree lab) runs on MNIST only; use `kdlabs distill mnist --student sdt`, or drop --student for {dataset.DisplayName}.");
                }
                foreach (var option in networkOnly.Where(o => parse.GetResult(o) is { Implicit: false }))
                {
                    throw new ArgumentException($"{option.Name} applies to the CNN and MLP students, not to --student sdt (the soft tree keeps its own recipe); drop it.");
                }
                return SoftTreeCommandOptions.Run(parse, tree, new SoftTreeCommandOptions.Shared(teacher, temperature, epochs, batchSize, lr, seed, trainLimit, testLimit, seeds, smoke, output, data, alpha, dropout, jitter), CheckWritable);
            }
            // The tree's own options mean nothing to the CNN/MLP path: refuse them rather than ignore them; --threads and --validation apply to both.
            foreach (var option in tree.All.Where(o => o != tree.Threads && o != tree.Validation && parse.GetResult(o) is { Implicit: false }))
            {
                throw new ArgumentException($"{option.Name} applies only with --student sdt; drop it, or add --student sdt.");
            }
            if (parse.GetValue(tree.Threads) is { } threads)
            {
                TorchSharp.torch.set_num_threads(threads);
            }
            var options = new MnistDistillationOptions
            {
                Dataset = dataset.Key,
                Family = parse.GetValue(teacher)!,
                Alpha = parse.GetValue(alpha),
                Temperature = parse.GetValue(temperature),
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batchSize),
                LearningRate = parse.GetValue(lr),
                Schedule = parse.GetValue(schedule) == "cosine" ? KdLabs.Training.LrSchedule.Cosine : KdLabs.Training.LrSchedule.Constant,
                Seed = parse.GetValue(seed),
                TrainLimit = parse.GetValue(trainLimit),
                TestLimit = parse.GetValue(testLimit),
                MlpDropout = parse.GetValue(dropout),
                Jitter = parse.GetValue(jitter),
                PlainStudents = parse.GetValue(plainStudents),
                Smoke = parse.GetValue(smoke),
                OutputDirectory = parse.GetValue(output)!,
                DataDirectory = parse.GetValue(data),
                Device = parse.GetValue(device)!,
                TeacherEpochs = parse.GetValue(teacherEpochs) is > 0 and var te ? te : null,
                TransferSize = parse.GetValue(transferSize) is > 0 and var ts ? ts : null,
                TeacherImages = parse.GetValue(teacherImages) is > 0 and var ti ? ti : null,
                Validation = parse.GetValue(tree.Validation),
                OmitClass = parse.GetValue(omitClass),
            };
            CheckWritable(options.OutputDirectory);
            using var lab = new MnistDistillationLab(options);
            var o = lab.Options;
            AnsiConsole.MarkupLine(Markup.Escape($"{dataset.DisplayName} distillation: {o.Family} teacher → student, α={o.Alpha} (hard-label weight), T={o.Temperature}, {o.Epochs} epoch(s){(o.Schedule == KdLabs.Training.LrSchedule.Cosine ? ", cosine learning rate" : "")}, seed {o.Seed}{(o.Smoke ? ", smoke mode" : "")}"));
            var studentSeeds = parse.GetValue(seeds) is { } list ? ParseSeeds(list) : null;
            var result = lab.Run(studentSeeds);
            ResultTable.Print(result);
            if (parse.GetValue(mistake))
            {
                var m = lab.LogTargetMistakeDemo(studentSeeds is { Length: > 0 } ? studentSeeds[0] : null);
                ResultTable.Print(m, lab.EvaluationName);
            }
            Console.WriteLine($"wrote {Path.Combine(options.OutputDirectory, "results.json")} and {Path.Combine(options.OutputDirectory, "report.html")}");
            return 0;
        }));
        return command;
    }

    internal static int[] ParseSeeds(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => int.TryParse(v, out int n) ? n
            : throw new ArgumentException(long.TryParse(v, out _) || v.TrimStart('-').All(char.IsAsciiDigit)
                ? $"--seeds: '{v}' is out of range ({int.MinValue} to {int.MaxValue}); use e.g. --seeds 1,2,3."
                : $"--seeds: '{v}' is not a whole number; use e.g. --seeds 1,2,3.")).ToArray();

    internal static void CheckWritable(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            string probe = Path.Combine(directory, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{directory}: output folder is not writable ({e.Message}). Choose another with --out.", e);
        }
        OutputLock.Acquire(directory);
    }
}
