using System.CommandLine;
using KdLabs.Experiments;
using KdLabs.Methods;

namespace KdLabs.Cli;

/// <summary>
/// The options every lab command has, declared once: <see cref="LabSettings"/> as <c>--out --data --seeds --threads
/// --device --smoke</c>, and Hinton KD's <see cref="KdOptions"/> as <c>--alpha --temperature</c>.
/// </summary>
internal static class LabOptions
{
    /// <summary>Binds <c>--out</c>, <c>--data</c>, <c>--seeds</c> (alias <c>--seed</c>), <c>--threads</c>, <c>--device</c> and <c>--smoke</c> to the record's <see cref="LabSettings"/>.</summary>
    public static OptionBinder<TOptions> AddLab<TOptions>(this OptionBinder<TOptions> binder, Func<TOptions, LabSettings> get, Func<TOptions, LabSettings, TOptions> set,
        string data, string seeds, string smoke, string output = "Folder for results.json, report.html and checkpoints.")
        where TOptions : class
    {
        var lab = binder.Nested("Lab", get, set);
        lab.Add(new Option<string>("--out") { Description = output }.NamesPath(),
            nameof(LabSettings.OutputDirectory), l => l.OutputDirectory, (l, v) => l with { OutputDirectory = v });
        lab.Add(new Option<string?>("--data") { Description = data }.NamesPath(), nameof(LabSettings.DataDirectory), l => l.DataDirectory, (l, v) => l with { DataDirectory = v });
        lab.Add(new Option<string>("--seeds", "--seed") { Description = seeds + " --seed N is --seeds N." },
            nameof(LabSettings.Seeds), l => l.Seeds, (l, v) => l with { Seeds = v }, s => string.Join(",", s), ParseSeeds);
        lab.Add(CommonOptions.Threads(), nameof(LabSettings.Threads), l => l.Threads, (l, v) => l with { Threads = v });
        lab.Add(CommonOptions.Device(), nameof(LabSettings.Device), l => l.Device, (l, v) => l with { Device = v });
        lab.Add(new Option<bool>("--smoke") { Description = smoke }, nameof(LabSettings.Smoke), l => l.Smoke, (l, v) => l with { Smoke = v });
        return binder;
    }

    /// <summary>Binds <c>--alpha</c> and <c>--temperature</c>/<c>-T</c> to the record's <see cref="KdOptions"/> named <paramref name="name"/>.</summary>
    public static (Option<double> Alpha, Option<double> Temperature) AddDistillation<TOptions>(this OptionBinder<TOptions> binder, string name,
        Func<TOptions, KdOptions> get, Func<TOptions, KdOptions, TOptions> set, string what)
        where TOptions : class
    {
        var kd = binder.Nested(name, get, set);
        var alpha = kd.Add(new Option<double>("--alpha") { Description = $"Weight α of the hard-label cross-entropy in {what}, in [0, 1] (1 = no distillation)." },
            nameof(KdOptions.Alpha), k => k.Alpha, (k, v) => k with { Alpha = v });
        var temperature = kd.Add(new Option<double>("--temperature", "-T") { Description = $"Softmax temperature T > 0 of the soft term in {what}." },
            nameof(KdOptions.Temperature), k => k.Temperature, (k, v) => k with { Temperature = v });
        return (alpha, temperature);
    }

    /// <summary>
    /// Binds the record's <see cref="TrainingSettings"/> named <paramref name="name"/> (<c>Training</c>, or a lab's
    /// <c>Teacher</c>): <c>--epochs</c>, <c>--batch-size</c>, <c>--lr</c> and <c>--schedule</c> (flags renamed with
    /// <paramref name="flagPrefix"/>, e.g. <c>--teacher-</c>), each only when given a description. Returns the options made.
    /// </summary>
    public static (Option<int>? Epochs, Option<int>? BatchSize, Option<double>? LearningRate, Option<string>? Schedule) AddTraining<TOptions>(this OptionBinder<TOptions> binder,
        Func<TOptions, TrainingSettings> get, Func<TOptions, TrainingSettings, TOptions> set, string? epochs, string? batchSize = null, string? learningRate = null, string? schedule = null,
        string name = "Training", string flagPrefix = "--")
        where TOptions : class
    {
        var training = binder.Nested(name, get, set);
        var e = epochs is null ? null : training.Add(new Option<int>($"{flagPrefix}epochs") { Description = epochs }, nameof(TrainingSettings.Epochs), t => t.Epochs, (t, v) => t with { Epochs = v });
        var b = batchSize is null ? null : training.Add(new Option<int>($"{flagPrefix}batch-size") { Description = batchSize }, nameof(TrainingSettings.BatchSize), t => t.BatchSize, (t, v) => t with { BatchSize = v });
        var lr = learningRate is null ? null : training.Add(new Option<double>($"{flagPrefix}lr") { Description = learningRate }, nameof(TrainingSettings.LearningRate), t => t.LearningRate, (t, v) => t with { LearningRate = v });
        Option<string>? s = null;
        if (schedule is not null)
        {
            s = training.Add(new Option<string>($"{flagPrefix}schedule") { Description = schedule }, nameof(TrainingSettings.Schedule), t => t.Schedule, (t, v) => t with { Schedule = v }, ScheduleName, ParseSchedule);
            s.AcceptOnlyFromAmong("constant", "cosine");
        }
        return (e, b, lr, s);
    }

    /// <summary>A learning-rate schedule as typed: constant or cosine (the options accept only those).</summary>
    internal static string ScheduleName(Training.LrSchedule schedule) => schedule.ToString().ToLowerInvariant();

    /// <inheritdoc cref="ScheduleName"/>
    internal static Training.LrSchedule ParseSchedule(string name) => name == "cosine" ? Training.LrSchedule.Cosine : Training.LrSchedule.Constant;

    /// <summary>A comma-separated list of whole numbers, e.g. <c>1,2,3</c>, read as every list option is (<see cref="OptionChecks.ParseList"/>).</summary>
    internal static int[] ParseSeeds(string list) => [.. OptionChecks.ParseList(list, "--seeds", "1,2,3", OptionChecks.WholeNumber)];

    /// <summary>
    /// The lab's options as typed, checked by the record's own <c>Validate()</c> (the one check notebooks and the Studio
    /// get too) before anything runs; in smoke mode, says which typed values it replaces.
    /// </summary>
    internal static TOptions BindChecked<TOptions>(this OptionBinder<TOptions> binder, ParseResult parse, Action<TOptions>? alsoCheck = null)
        where TOptions : class, ILabOptions<TOptions>
    {
        var options = binder.Bind(parse);
        options.Validate();
        alsoCheck?.Invoke(options);
        if (options.Lab.Smoke && binder.Overridden(parse, options, options.Effective()).ToList() is { Count: > 0 } replaced)
        {
            Console.Error.WriteLine($"note: smoke mode replaces {string.Join(", ", replaced)}; drop --smoke to run them as typed.");
        }
        OptionChecks.Checked();
        return options;
    }

    /// <summary>Refuses an output folder this user cannot write to, before any training, and takes its lock.</summary>
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
