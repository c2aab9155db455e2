using System.CommandLine;
using KdLabs.Datasets;
using KdLabs.Experiments;
using KdLabs.Training;
using Spectre.Console;

namespace KdLabs.Cli;

/// <summary>
/// <c>kdlabs distill &lt;key&gt;</c>, one command per data set of <see cref="DatasetRegistry"/>: the teacher → student lab on
/// every 1×28×28 ten-class set (<c>mnist</c>, <c>fashion-mnist</c>), the chest X-ray lab on <c>chest-xray</c>.
/// </summary>
internal static class DistillCommands
{
    public static Command Create()
    {
        var distill = new Command("distill", "Run a distillation lab.");
        foreach (var dataset in DatasetRegistry.All)
        {
            distill.Subcommands.Add(dataset switch
            {
                ChestXrayDataset => ChestXrayCommands.Distill(),
                _ when MnistDistillationOptions.Fits(dataset) => LabCommand(dataset),
                _ => throw new InvalidOperationException($"No lab distils data set '{dataset.Key}' ({dataset.InputShape}, {dataset.ClassNames.Count} classes); add one to {nameof(DistillCommands)}."),
            });
        }
        return distill;
    }

    /// <summary>The lab's command on <paramref name="dataset"/>: every option built here once, so the data sets' commands cannot drift apart.</summary>
    private static Command LabCommand(IImageClassificationDataset dataset)
    {
        string description = $"{dataset.DisplayName} ({dataset.Description}): train (or reuse) a teacher, then a student without and with knowledge distillation, and compare them.";
        bool mnist = dataset.Key == DatasetRegistry.Mnist.Key;
        var preset = MnistDistillationOptions.SmallTransferSet;
        var b = new OptionBinder<MnistDistillationOptions>(preset with { Dataset = dataset.Key, Lab = preset.Lab with { OutputDirectory = Path.Combine("runs", $"{dataset.Key}-distill") } });
        var teacher = b.Add(new Option<string>("--teacher") { Description = "Model family: cnn (PyTorch-example CNNs) or mlp (Hinton 2015 MLPs)." }, nameof(MnistDistillationOptions.Family), o => o.Family, (o, v) => o with { Family = v });
        teacher.AcceptOnlyFromAmong("cnn", "mlp");
        var (alpha, temperature) = b.AddDistillation(nameof(MnistDistillationOptions.Kd), o => o.Kd, (o, v) => o with { Kd = v }, "the distilled students' loss");
        var (_, _, _, schedule) = b.AddTraining(o => o.Training, (o, v) => o with { Training = v }, "Epochs for the students (and the teacher, with --teacher-epochs 0).",
            "Mini-batch size.", "Adam learning rate.", "Learning-rate schedule of every run: constant, or cosine (annealed to zero over the run).");
        var plainStudents = b.Add(new Option<bool>("--plain-students") { Description = "Students without dropout and jitter; the teacher keeps --dropout and --jitter (Hinton 2015's unregularised 800-800 student)." },
            nameof(MnistDistillationOptions.PlainStudents), o => o.PlainStudents, (o, v) => o with { PlainStudents = v });
        var trainLimit = b.Add(new Option<int?>("--train-limit") { Description = "Use only the first N training images." }, nameof(MnistDistillationOptions.TrainLimit), o => o.TrainLimit, (o, v) => o with { TrainLimit = v });
        var testLimit = b.Add(new Option<int?>("--test-limit") { Description = "Use only the first N test images." }, nameof(MnistDistillationOptions.TestLimit), o => o.TestLimit, (o, v) => o with { TestLimit = v });
        var dropout = b.Add(new Option<double>("--dropout") { Description = "Dropout on the MLPs' hidden layers." }, nameof(MnistDistillationOptions.MlpDropout), o => o.MlpDropout, (o, v) => o with { MlpDropout = v });
        var inputDropout = b.Add(new Option<double>("--input-dropout") { Description = "Dropout on the MLPs' input pixels, in [0, 1) (Hinton 2015's teacher: 0.2, with --dropout 0.5); the students too unless --plain-students." },
            nameof(MnistDistillationOptions.InputDropout), o => o.InputDropout, (o, v) => o with { InputDropout = v });
        var maxNorm = b.Add(new Option<double>("--max-norm") { Description = "Cap the L2 norm of each MLP hidden unit's incoming weights at C after every step (the max-norm constraint of dropout training); 0: none. The students too unless --plain-students." },
            nameof(MnistDistillationOptions.MaxNorm), o => o.MaxNorm, (o, v) => o with { MaxNorm = v }, v => v ?? 0, NoneIfZero);
        var jitter = b.Add(new Option<int>("--jitter") { Description = $"Random ±N pixel shifts in training (Hinton's jitter), 0 to {MnistDistillationOptions.MaxJitter(28)}; teacher logits are then computed live." },
            nameof(MnistDistillationOptions.Jitter), o => o.Jitter, (o, v) => o with { Jitter = v });
        var teacherEpochs = b.Add(new Option<int>("--teacher-epochs") { Description = "Epochs for the teacher; 0: the same as --epochs." },
            nameof(MnistDistillationOptions.TeacherEpochs), o => o.TeacherEpochs, (o, v) => o with { TeacherEpochs = v }, v => v ?? 0, NoneIfZero);
        var teacherSeed = b.Add(new Option<int?>("--teacher-seed") { Description = "Seed of the teacher; default: the first of --seeds. Runs of one student seed each (--seeds 2 --teacher-seed 1) then share one cached teacher." },
            nameof(MnistDistillationOptions.TeacherSeed), o => o.TeacherSeed, (o, v) => o with { TeacherSeed = v });
        var teacherImages = AddCountOrAll(b, "--teacher-images", "The teacher trains on the first N training images; 0: all of them.",
            nameof(MnistDistillationOptions.TeacherImages), o => o.TeacherImages, (o, v) => o with { TeacherImages = v });
        var transferSize = AddCountOrAll(b, "--transfer-size", "Students learn from the first N labelled training images (the transfer set); 0: all of them. The teacher always sees all.",
            nameof(MnistDistillationOptions.TransferSize), o => o.TransferSize, (o, v) => o with { TransferSize = v });
        var omitClass = b.Add(new Option<int?>("--omit-class") { Description = "Leave this class (index 0-9) out of the students' transfer set (Hinton's omitted-class experiment); its logit bias is then fitted on 5,000 held-out training images." },
            nameof(MnistDistillationOptions.OmitClass), o => o.OmitClass, (o, v) => o with { OmitClass = v });
        var validation = b.Add(new Option<int>("--validation") { Description = "Hold out the last N training images (never trained on by the students or trees) and report on them instead of the test set, for choosing settings." },
            nameof(MnistDistillationOptions.Validation), o => o.Validation, (o, v) => o with { Validation = v });
        b.AddLab(o => o.Lab, (o, v) => o with { Lab = v }, CommonOptions.DataDescription(dataset),
            "Student seeds, e.g. 1,2,3: one baseline and one distilled student per seed, reported as mean ± std; the teacher uses the first (sdt: the trees' seeds, default 1,2,3).",
            "2,000/1,000 images and one epoch: the same code path in seconds.");
        var mistake = new Option<bool>("--log-target-mistake") { Description = "Also train the first seed's student with the PyTorch example's kl_div(log_softmax, log_softmax) without log_target, as written and under older libtorch's rule." };
        var student = new Option<string>("--student") { Description = "Student: the family's own student (default), or sdt for a soft decision tree (Frosst & Hinton 2017) distilled from the CNN teacher (MNIST only).", DefaultValueFactory = _ => "default" };
        student.AcceptOnlyFromAmong("default", "sdt");
        var tree = SoftTreeCommandOptions.Create(b, validation);

        var command = b.AddTo(new Command(dataset.Key, description) { mistake, student });
        tree.Binder.AddTo(command);
        // Options of the CNN/MLP students only; the soft-tree path refuses them, as the CNN/MLP path refuses the tree's.
        Option[] networkOnly = [teacherEpochs, teacherImages, transferSize, omitClass, mistake, schedule!, plainStudents, alpha, dropout, inputDropout, maxNorm, teacherSeed];
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            if (parse.GetValue(student) == "sdt")
            {
                if (!mnist)
                {
                    throw new ArgumentException($"--student sdt (the soft decision tree lab) runs on MNIST only; use `kdlabs distill mnist --student sdt`, or drop --student for {dataset.DisplayName}.");
                }
                if (parse.GetValue(teacher) != "cnn")
                {
                    throw new ArgumentException("--student sdt distils the CNN teacher; drop --teacher mlp.");
                }
                foreach (var option in OptionBinder<MnistDistillationOptions>.Typed(parse, networkOnly))
                {
                    throw new ArgumentException($"{option.Name} applies to the CNN and MLP students, not to --student sdt (the soft tree keeps its own recipe; see --hard-weight for the label term); drop it.");
                }
                return tree.Run(parse);
            }
            foreach (var option in OptionBinder<MnistDistillationOptions>.Typed(parse, tree.TreeOnly))
            {
                throw new ArgumentException($"{option.Name} applies only with --student sdt; drop it, or add --student sdt.");
            }
            var options = b.BindChecked(parse);
            LabOptions.CheckWritable(options.Lab.OutputDirectory);
            using var lab = new MnistDistillationLab(options);
            var o = lab.Options;
            AnsiConsole.MarkupLine(Markup.Escape($"{dataset.DisplayName} distillation: {o.Family} teacher → student, α={o.Kd.Alpha} (hard-label weight), T={o.Kd.Temperature}, {o.Training.Epochs} epoch(s){(o.Training.Schedule == LrSchedule.Cosine ? ", cosine learning rate" : "")}, seeds {string.Join(",", o.Lab.Seeds)}{(o.Lab.Smoke ? ", smoke mode" : "")}"));
            var result = lab.Run();
            ResultTable.Print(result);
            if (parse.GetValue(mistake))
            {
                var m = lab.LogTargetMistakeDemo(o.Lab.FirstSeed);
                ResultTable.Print(m, lab.EvaluationName);
            }
            Console.WriteLine($"wrote {LabFiles.In(o.Lab.OutputDirectory)}");
            return 0;
        }));
        return command;
    }

    /// <summary>0 typed for "none" (all images, the default epochs); a negative value stays, for the options' check to refuse.</summary>
    internal static int? NoneIfZero(int value) => value != 0 ? value : null;

    /// <summary>An optional count setting (null: all) as an integer flag where 0 means all: --teacher-images, --transfer-size.</summary>
    internal static Option<int> AddCountOrAll<TOptions>(OptionBinder<TOptions> b, string flag, string description, string setting, Func<TOptions, int?> get, Func<TOptions, int?, TOptions> set)
        where TOptions : class =>
        b.Add(new Option<int>(flag) { Description = description }, setting, get, set, v => v ?? 0, NoneIfZero);

    /// <inheritdoc cref="NoneIfZero(int)"/>
    internal static double? NoneIfZero(double value) => value != 0 ? value : null;
}
