using System.CommandLine;
using System.Diagnostics;
using KdLabs.Course;
using KdLabs.Datasets;
using KdLabs.Infrastructure;

namespace KdLabs.Cli;

/// <summary>
/// <c>kdlabs setup</c>: makes a checkout ready for the notebooks. Packs the library into the local package folder
/// (<c>artifacts/packages</c>), registers that folder as the NuGet source <c>kdlabs-local</c> in the user's NuGet
/// configuration (the kernel was measured restoring <c>#r "nuget: KdLabs"</c> from it; the kernel restores through F#'s
/// NuGet dependency manager in a temporary project outside the checkout, so a repository nuget.config is not on its
/// path, and <c>#i</c> takes only an absolute path), removes NuGet's
/// cached copy of that version so the next kernel loads the new one, registers the kit's own Jupyter kernel
/// (<c>kdlabs kernel install</c>), gives the .NET Interactive kernel's kernelspec the kit's compute environment when it is
/// registered (<c>kdlabs kernel tune</c>), and fetches every data set of <see cref="DatasetRegistry"/> the kit can fetch.
/// </summary>
internal static class SetupCommands
{
    public static Command Create()
    {
        var output = new Option<string?>("--out") { Description = $"Package folder (default: {KitCheck.PackageFolder} in the checkout)." }.NamesPath();
        string datasets = FetchableNames();
        var skipData = new Option<bool>("--skip-data") { Description = $"Do not fetch {datasets}." };
        var keepCache = new Option<bool>("--keep-nuget-cache") { Description = "Leave NuGet's cached copy of the KdLabs package in place." };
        var nugetCache = new Option<string?>("--nuget-cache") { Description = "NuGet's global packages folder to remove the old KdLabs copy from (default: $NUGET_PACKAGES, else ~/.nuget/packages)." }.NamesPath();
        var nugetConfig = new Option<string?>("--nuget-config") { Description = "NuGet configuration file to register the kdlabs-local source in (default: your user NuGet configuration)." }.NamesPath();
        var setup = new Command("setup", $"Pack KdLabs into artifacts/packages for the notebooks, register the kit's Jupyter kernel \"C# (KdLabs)\" and fetch {datasets} (run once, and again after changing src/KdLabs).")
        {
            output, skipData, keepCache, nugetCache, nugetConfig,
        };
        setup.SetAction(parse => CliErrors.Guard(() =>
        {
            OptionChecks.Checked();
            string root = KdLabsPaths.RepositoryRoot
                ?? throw new UserErrorException("kdlabs setup must run inside a KdLabs checkout (a folder with KdLabs.sln above it).");
            string packages = Path.GetFullPath(parse.GetValue(output) ?? Path.Combine(root, KitCheck.PackageFolder));
            string nupkg = Pack(root, packages);
            Console.WriteLine($"packed {nupkg}");
            Console.WriteLine(RegisterSource(packages, parse.GetValue(nugetConfig)));
            // The kit's own kernel ("C# (KdLabs)") for VS Code, JupyterLab and Notebook: it needs no package source.
            Console.WriteLine($"Jupyter kernel \"{Kernel.KernelSpec.DisplayName}\" ({Kernel.KernelSpec.Name}) registered in {Kernel.KernelSpec.Install(KernelCommands.Argv(), Kernel.KernelSpecScope.User)}");
            // .NET Interactive's kernel starts on Jupyter's terms: its kernelspec gets the variables the kit's kernel has.
            Console.WriteLine(Kernel.KernelSpecEnvironment.Locate(Kernel.KernelSpecEnvironment.DotNetInteractive) is { } dotnetInteractive
                ? KernelCommands.Tune(Kernel.KernelSpecEnvironment.DotNetInteractive, dotnetInteractive)
                : $"no {Kernel.KernelSpecEnvironment.DotNetInteractive} kernel registered (scripts/setup-kernel.sh registers .NET Interactive's); nothing to tune");
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
                DataCommands.EnsureAll(DatasetRegistry.Fetchable, Console.WriteLine);
            }
            Console.WriteLine("setup done. Open notebooks/01-temperature-softening.ipynb; restart the kernel if a notebook was already open.");
            return 0;
        }));
        return setup;
    }

    /// <summary>The fetchable data sets' names as the help says them: "MNIST and Fashion-MNIST".</summary>
    internal static string FetchableNames()
    {
        var names = DatasetRegistry.Fetchable.Select(d => d.DisplayName).ToList();
        return names.Count switch
        {
            0 => "no data set",
            1 => names[0],
            _ => $"{string.Join(", ", names.Take(names.Count - 1))} and {names[^1]}",
        };
    }

    /// <summary>dotnet pack src/KdLabs -c Release -o <paramref name="packages"/>; returns the .nupkg written.</summary>
    internal static string Pack(string root, string packages)
    {
        Directory.CreateDirectory(packages);
        string project = Path.Combine(root, "src", "KdLabs", "KdLabs.csproj");
        Console.WriteLine($"packing {Path.GetRelativePath(root, project)} into {packages} (Release; about a minute the first time)...");
        var started = DateTime.UtcNow.AddSeconds(-2);
        var (exit, output) = Dotnet(["pack", project, "-c", "Release", "-o", packages, "-nologo", "-v", "quiet", "-clp:ErrorsOnly"], root);
        if (exit != 0)
        {
            throw new UserErrorException($"dotnet pack failed (exit {exit}):\n{output}".TrimEnd());
        }
        var written = new DirectoryInfo(packages).EnumerateFiles("KdLabs.*.nupkg")
            .Where(f => !f.Name.EndsWith(".symbols.nupkg", StringComparison.Ordinal))
            .OrderByDescending(f => f.LastWriteTimeUtc)
            .ToList();
        // The SDK's pack is incremental: with nothing changed since the last pack it succeeds without rewriting the
        // package, and the newest one is then the current one (a second `kdlabs setup` used to fail here).
        return (written.FirstOrDefault(f => f.LastWriteTimeUtc >= started) ?? written.FirstOrDefault())?.FullName
            ?? throw new UserErrorException($"dotnet pack succeeded but wrote no KdLabs.*.nupkg into {packages}.");
    }

    /// <summary>Name of the NuGet source that points at the checkout's package folder.</summary>
    internal const string SourceName = "kdlabs-local";

    /// <summary>
    /// Adds (or repoints) the user-level NuGet source <see cref="SourceName"/> to <paramref name="packages"/> with
    /// <c>dotnet nuget</c>, which writes the user's NuGet.Config on Linux, macOS and Windows alike. No root needed.
    /// </summary>
    internal static string RegisterSource(string packages, string? configFile = null)
    {
        // A test (or a user with several checkouts) points this at its own file, so the user's configuration is not
        // left naming a folder that is later deleted: NuGet fails every restore on a missing local source (NU1301).
        // Always named: run inside the checkout, `dotnet nuget` would otherwise edit the closest configuration, the
        // repository's nuget.config, which the kernel (restoring in a temporary folder) never reads.
        string[] config = ["--configfile", Path.GetFullPath(configFile ?? UserNuGetConfig())];
        var (listed, list) = DotnetNuget(["nuget", "list", "source", .. config]);
        if (listed != 0)
        {
            throw new InvalidOperationException($"dotnet nuget list source failed (exit {listed}):\n{list}".TrimEnd());
        }
        // "  2.  kdlabs-local [Enabled]" then the URL on the next line.
        bool exists = list.Split('\n').Any(l => l.Contains($" {SourceName} [", StringComparison.Ordinal));
        string[] args = exists
            ? ["nuget", "update", "source", SourceName, "--source", packages, .. config]
            : ["nuget", "add", "source", packages, "--name", SourceName, .. config];
        var (code, output) = DotnetNuget(args);
        if (code != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', args)} failed (exit {code}):\n{output}".TrimEnd());
        }
        if (exists)
        {
            DotnetNuget(["nuget", "enable", "source", SourceName, .. config]);
        }
        string where = configFile is null ? "your user NuGet configuration" : Path.GetFullPath(configFile);
        return $"NuGet source {SourceName} -> {packages} ({where}; notebooks restore KdLabs from it; `dotnet nuget remove source {SourceName}` undoes it)";
    }

    /// <summary>NuGet's user-level configuration file: %APPDATA%\NuGet\NuGet.Config on Windows, ~/.nuget/NuGet/NuGet.Config elsewhere.</summary>
    internal static string UserNuGetConfig()
    {
        string folder = OperatingSystem.IsWindows()
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData), "NuGet")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "NuGet");
        string path = Path.Combine(folder, "NuGet.Config");
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(folder);
            AtomicFile.WriteAllText(path, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources />\n</configuration>\n");
        }
        return path;
    }

    private static (int ExitCode, string Output) DotnetNuget(string[] args) => Dotnet(args, workingDirectory: null);

    /// <summary>Runs the dotnet CLI quietly; returns its exit code and what it printed (stdout, then stderr).</summary>
    private static (int ExitCode, string Output) Dotnet(string[] args, string? workingDirectory)
    {
        var psi = new ProcessStartInfo("dotnet", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(psi) ?? throw new UserErrorException("could not start dotnet; check that the .NET SDK is on PATH.");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
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
