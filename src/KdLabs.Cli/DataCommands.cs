using System.CommandLine;
using KdLabs.Datasets;

namespace KdLabs.Cli;

/// <summary><c>kdlabs data fetch &lt;key&gt;</c>: one command per data set of <see cref="DatasetRegistry"/> the kit can fetch.</summary>
internal static class DataCommands
{
    public static Command Create()
    {
        var fetch = new Command("fetch", "Download a data set and verify its SHA-256.");
        foreach (var dataset in DatasetRegistry.Fetchable)
        {
            fetch.Subcommands.Add(FetchCommand(dataset));
        }
        return new Command("data", "Manage data sets.") { fetch };
    }

    private static Command FetchCommand(IFetchable dataset)
    {
        var force = new Option<bool>("--force") { Description = "Download and verify again even when the files are present." };
        var dir = new Option<string?>("--dir") { Description = $"Target folder (default: {DefaultFolder(dataset)})." }.NamesPath();
        var command = new Command(dataset.Key, $"Fetch the {dataset.DisplayName} files from {dataset.FetchSource} and verify their SHA-256.") { force, dir };
        command.SetAction(parse => CliErrors.Guard(() =>
        {
            OptionChecks.Checked();
            dataset.Fetch(parse.GetValue(dir) ?? dataset.DefaultDirectory, parse.GetValue(force), Console.WriteLine);
            return 0;
        }));
        return command;
    }

    /// <summary>Fetches every data set the kit can fetch that is not yet present (what <c>kdlabs setup</c> does with data).</summary>
    internal static void EnsureAll(IEnumerable<IFetchable> datasets, Action<string> log)
    {
        foreach (var dataset in datasets)
        {
            if (dataset is IImageClassificationDataset image)
            {
                image.EnsurePresent(dataset.DefaultDirectory, log);
            }
            else
            {
                dataset.Fetch(dataset.DefaultDirectory, force: false, log);
            }
            log($"{dataset.DisplayName} ready in {dataset.DefaultDirectory}");
        }
    }

    /// <summary>The default folder as help texts show it, relative to the data folder: <c>data/mnist</c>.</summary>
    internal static string DefaultFolder(IFetchable dataset) =>
        Path.Combine("data", Path.GetRelativePath(Infrastructure.KdLabsPaths.DataDirectory, dataset.DefaultDirectory));
}
