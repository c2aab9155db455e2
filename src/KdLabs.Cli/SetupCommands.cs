using System.CommandLine;
using System.Diagnostics;
using KdLabs.Course;
using KdLabs.Data;

namespace KdLabs.Cli;

/// <summary>
/// <c>kdlabs setup</c>: makes a checkout ready for the notebooks. Packs the library into the local package source
/// (<c>artifacts/packages</c>) that the lessons' setup cell points Polyglot Notebooks / Jupyter at, removes NuGet's cached
/// copy of that version so the next kernel loads the new one, and fetches MNIST.
/// </summary>
internal static class SetupCommands
{
    public static Command Create()
    {
        var output = new Option<string?>("--out") { Description = $"Package folder (default: {KitCheck.PackageFolder} in the checkout)." };
        var skipData = new Option<bool>("--skip-data") { Description = "Do not fetch MNIST." };
        var keepCache = new Option<bool>("--keep-nuget-cache") { Description = "Leave NuGet's cached copy of the KdLabs package in place." };
        var nugetCache = new Option<string?>("--nuget-cache") { Description = "NuGet's global packages folder to remove the old KdLabs copy from (default: $NUGET_PACKAGES, else ~/.nuget/packages)." };
        var setup = new Command("setup", "Pack KdLabs into artifacts/packages for the notebooks and fetch MNIST (run once, and again after changing src/KdLabs).")
        {
            output, skipData, keepCache, nugetCache,
        };
        setup.SetAction(parse => CliErrors.Guard(() =>
        {
            string root = KdLabsPaths.RepositoryRoot
                ?? throw new UserErrorException("kdlabs setup must run inside a KdLabs checkout (a folder with KdLabs.sln above it).");
            string packages = Path.GetFullPath(parse.GetValue(output) ?? Path.Combine(root, KitCheck.PackageFolder));
            string nupkg = Pack(root, packages);
            Console.WriteLine($"packed {nupkg}");
            if (!parse.GetValue(keepCache))
            {
                string version = VersionOf(nupkg);
                if (ClearNuGetCache(version, parse.GetValue(nugetCache)) is { } removed)
                {
                    Console.WriteLine($"removed NuGet's cached copy {removed} so the next kernel loads the new package");
                }
            }
            if (!parse.GetValue(skipData))
            {
                MnistFiles.EnsurePresent(MnistFiles.DefaultDirectory, Console.WriteLine);
                Console.WriteLine($"MNIST ready in {MnistFiles.DefaultDirectory}");
            }
            Console.WriteLine("setup done. Open notebooks/01-temperature-softening.ipynb; restart the kernel if a notebook was already open.");
            return 0;
        }));
        return setup;
    }

    /// <summary>dotnet pack src/KdLabs -c Release -o <paramref name="packages"/>; returns the .nupkg written.</summary>
    internal static string Pack(string root, string packages)
    {
        Directory.CreateDirectory(packages);
        string project = Path.Combine(root, "src", "KdLabs", "KdLabs.csproj");
        Console.WriteLine($"packing {Path.GetRelativePath(root, project)} into {packages} (Release; about a minute the first time)...");
        var started = DateTime.UtcNow.AddSeconds(-2);
        var psi = new ProcessStartInfo("dotnet", ["pack", project, "-c", "Release", "-o", packages, "-nologo", "-v", "quiet", "-clp:ErrorsOnly"])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(psi) ?? throw new UserErrorException("could not start dotnet; check that the .NET SDK is on PATH.");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new UserErrorException($"dotnet pack failed (exit {process.ExitCode}):\n{stdout}{stderr.Result}".TrimEnd());
        }
        return new DirectoryInfo(packages).EnumerateFiles("KdLabs.*.nupkg")
            .Where(f => !f.Name.EndsWith(".symbols.nupkg", StringComparison.Ordinal) && f.LastWriteTimeUtc >= started)
            .OrderByDescending(f => f.LastWriteTimeUtc)
            .FirstOrDefault()?.FullName
            ?? throw new UserErrorException($"dotnet pack succeeded but wrote no KdLabs.*.nupkg into {packages}.");
    }

    /// <summary>"KdLabs.0.1.0.nupkg" → "0.1.0".</summary>
    internal static string VersionOf(string nupkg)
    {
        string name = Path.GetFileNameWithoutExtension(nupkg);
        return name.StartsWith("KdLabs.", StringComparison.OrdinalIgnoreCase) ? name["KdLabs.".Length..] : name;
    }

    /// <summary>
    /// Deletes kdlabs/&lt;version&gt; from NuGet's global packages folder ($NUGET_PACKAGES, else ~/.nuget/packages): NuGet never
    /// re-extracts a version it already holds, so without this a notebook keeps loading the first KdLabs 0.1.0 it saw.
    /// Returns the folder removed, or null when there was none.
    /// </summary>
    internal static string? ClearNuGetCache(string version, string? globalPackagesFolder = null)
    {
        string global = globalPackagesFolder is { Length: > 0 } given
            ? given
            : Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } env
            ? env
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string cached = Path.Combine(global, "kdlabs", version.ToLowerInvariant());
        if (!Directory.Exists(cached))
        {
            return null;
        }
        Directory.Delete(cached, recursive: true);
        return cached;
    }
}
