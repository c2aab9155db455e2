using System.CommandLine;

namespace KdLabs.Cli;

/// <summary>Options several commands share, described once (the labs' through <see cref="LabOptions"/>).</summary>
internal static class CommonOptions
{
    /// <summary><c>--threads N</c>.</summary>
    public static Option<int?> Threads() => new Option<int?>("--threads") { Description = "Torch threads (default: torch's choice; use 1 when other jobs share the machine)." }
        .Within(1, Infrastructure.OptionsValidation.MaxThreads, $"four per core of this machine's {Environment.ProcessorCount}");

    /// <summary>
    /// <c>--device auto|cpu|cuda|cuda:N|mps</c> on every command that trains or evaluates. A device that is not there is
    /// a one-line error (exit 2), never a silent CPU run.
    /// </summary>
    public static Option<string> Device() => new("--device")
    {
        Description = "Where to train and evaluate: auto (CUDA when available, else CPU), cpu, cuda, cuda:N or mps. The choice is printed with the reason.",
        DefaultValueFactory = _ => "auto",
    };

    /// <summary><c>--data DIR</c> for MNIST.</summary>
    public static Option<string?> MnistData() => new Option<string?>("--data") { Description = MnistDataDescription }.NamesPath();

    /// <summary>What <c>--data</c> means for a registered data set: its folder, and whether the kit fetches it on first use.</summary>
    public static string DataDescription(Datasets.IImageClassificationDataset dataset) => dataset is Datasets.IFetchable fetchable
        ? $"{dataset.DisplayName} folder (default: {DataCommands.DefaultFolder(fetchable)}, fetched on first use)."
        : $"{dataset.DisplayName} folder.";

    /// <summary>What <c>--data</c> means for MNIST.</summary>
    public static string MnistDataDescription => DataDescription(Datasets.DatasetRegistry.Mnist);
}
