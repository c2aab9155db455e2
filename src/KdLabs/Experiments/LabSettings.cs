using KdLabs.Infrastructure;

namespace KdLabs.Experiments;

/// <summary>
/// What every lab is told the same way, embedded in each lab's options as <c>Lab</c>: where its data and results live,
/// which seeds it runs, on which device and how many threads, and whether in smoke mode. Defaults are stated here once;
/// each lab's options record only sets its own output folder (and, for one-run labs, its seed list).
/// </summary>
public sealed record LabSettings
{
    /// <summary>Folder for results.json, report.html and checkpoints.</summary>
    public string OutputDirectory { get; init; } = "runs";

    /// <summary>The data set's folder, or null for its default under <see cref="KdLabsPaths.DataDirectory"/> (fetched on first use where the kit can).</summary>
    public string? DataDirectory { get; init; }

    /// <summary>
    /// Seeds of the student runs, each one setting initial weights, data order, dropout and augmentation; results are
    /// reported as mean ± std over them. A lab's teacher is seeded with the first (the zoo's ensemble with 1 … N).
    /// </summary>
    public IReadOnlyList<int> Seeds { get; init; } = [1, 2, 3];

    /// <summary>Torch intra-op threads, or null for torch's choice (use 1 when other jobs share the machine).</summary>
    public int? Threads { get; init; }

    /// <summary>Where training and evaluation run: auto (CUDA when available, else the CPU), cpu, cuda, cuda:N or mps. See <see cref="ComputeDevice"/>.</summary>
    public string Device { get; init; } = "auto";

    /// <summary>Small subsets and short runs: the same code path in seconds; the numbers mean nothing.</summary>
    public bool Smoke { get; init; }

    /// <summary>The first seed: the teacher's, and the one a single run uses.</summary>
    public int FirstSeed => Seeds.Count > 0 ? Seeds[0] : throw new InvalidOperationException("LabSettings.Seeds is empty; Validate() refuses that.");

    /// <summary>A lesson's settings: results under <c>runs/&lt;name&gt;</c> of the checkout, one seed.</summary>
    public static LabSettings Lesson(string name, string device, bool smoke, int seed) =>
        new() { OutputDirectory = Path.Combine(KdLabsPaths.RunsDirectory, name), Device = device, Smoke = smoke, Seeds = [seed] };

    /// <summary>Throws (marked as a setting, naming it) when a setting is out of range.</summary>
    public void Validate() => OptionsValidation.Run(() =>
    {
        if (Seeds.Count == 0)
        {
            throw new ArgumentException("Seeds must list at least one seed, e.g. 1,2,3.", nameof(Seeds));
        }
        if (Seeds.Distinct().Count() != Seeds.Count)
        {
            throw new ArgumentException($"Seeds lists a seed twice ({string.Join(",", Seeds)}); each seed is one independent run.", nameof(Seeds));
        }
        OptionsValidation.List(Seeds, nameof(Seeds));
        foreach (int seed in Seeds)
        {
            OptionsValidation.Between(seed, 0, int.MaxValue, nameof(Seeds), "each seed is 0 or more");
        }
        OptionsValidation.Between(Threads, 1, OptionsValidation.MaxThreads, nameof(Threads), $"four per core of this machine's {Environment.ProcessorCount}");
        OptionsValidation.Path(OutputDirectory, nameof(OutputDirectory), optional: false);
        OptionsValidation.Path(DataDirectory, nameof(DataDirectory));
        if (string.IsNullOrWhiteSpace(Device))
        {
            throw new ArgumentException($"Device must name a device: {ComputeDevice.Choices}.", nameof(Device));
        }
        ComputeDevice.Validate(Device);
    });
}
