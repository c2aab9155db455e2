using System.CommandLine;

namespace KdLabs.Cli;

/// <summary>Options several commands share, described once.</summary>
internal static class CommonOptions
{
    /// <summary><c>--threads N</c>.</summary>
    public static Option<int?> Threads() => new("--threads") { Description = "Torch threads (default: torch's choice; use 1 when other jobs share the machine)." };

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
    public static Option<string?> MnistData() => new("--data") { Description = "MNIST folder (default: data/mnist, fetched on first use)." };

    /// <summary><c>--data DIR</c> for another IDX data set (Fashion-MNIST).</summary>
    public static Option<string?> IdxData(string displayName, string defaultFolder) =>
        new("--data") { Description = $"{displayName} folder (default: {defaultFolder}, fetched on first use)." };

    /// <summary><c>--out DIR</c> of a lab, defaulting to <paramref name="defaultDirectory"/>.</summary>
    public static Option<string> LabOutput(string defaultDirectory) =>
        new("--out") { Description = "Folder for results.json, results.md, report.html and checkpoints.", DefaultValueFactory = _ => defaultDirectory };
}
