using System.CommandLine;

namespace KdLabs.Cli;

/// <summary>Options several commands share, described once.</summary>
internal static class CommonOptions
{
    /// <summary><c>--threads N</c>.</summary>
    public static Option<int?> Threads() => new("--threads") { Description = "Torch threads (default: torch's choice; use 1 when other jobs share the machine)." };

    /// <summary><c>--data DIR</c> for MNIST.</summary>
    public static Option<string?> MnistData() => new("--data") { Description = "MNIST folder (default: data/mnist, fetched on first use)." };

    /// <summary><c>--out DIR</c> of a lab, defaulting to <paramref name="defaultDirectory"/>.</summary>
    public static Option<string> LabOutput(string defaultDirectory) =>
        new("--out") { Description = "Folder for results.json, results.md, report.html and checkpoints.", DefaultValueFactory = _ => defaultDirectory };
}
