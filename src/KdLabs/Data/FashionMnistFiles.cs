using System.IO.Compression;
using KdLabs.Infrastructure;

namespace KdLabs.Data;

/// <summary>
/// The four Fashion-MNIST IDX files (Xiao, Rasul &amp; Vollgraf 2017: 60,000 training and 10,000 test 28×28 images of ten
/// clothing classes) and how to get them: Debian's package <c>dataset-fashion-mnist</c> ships them gzipped, so it is
/// downloaded by name and version with <c>apt-get download</c> (no root needed), unpacked with <c>dpkg-deb</c>, and each
/// uncompressed file is checked against the SHA-256 below (the same list as <c>data/fashion-mnist.sha256</c>).
/// </summary>
internal static class FashionMnistFiles
{
    /// <summary>The Debian package that ships the files.</summary>
    public const string DebianPackage = "dataset-fashion-mnist";

    /// <summary>The package version the checksums were taken from.</summary>
    public const string DebianVersion = "0.0~git20200523.55506a9-1";

    /// <summary>Where the package puts the gzipped files.</summary>
    public const string PackageFolder = "usr/share/datasets/fashion-mnist";

    /// <summary>File name → SHA-256 of the uncompressed IDX file.</summary>
    public static IReadOnlyDictionary<string, string> Sha256 { get; } = new Dictionary<string, string>
    {
        ["train-images-idx3-ubyte"] = "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        ["train-labels-idx1-ubyte"] = "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        ["t10k-images-idx3-ubyte"] = "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        ["t10k-labels-idx1-ubyte"] = "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    };

    /// <summary>The four files with their checksums, fetch command and folder.</summary>
    public static IdxFileSet Set { get; } = new("Fashion-MNIST", "kdlabs data fetch fashion-mnist", Sha256, "fashion-mnist");

    /// <summary>Where the files come from and how, as the fetch command's help and log say it.</summary>
    public const string Source = $"the Debian package {DebianPackage} {DebianVersion} (apt-get download, no root needed)";

    /// <summary>The default folder: <c>data/fashion-mnist</c>.</summary>
    public static string DefaultDirectory => Set.DefaultDirectory;

    /// <summary>
    /// Downloads the package with <c>apt-get download</c>, unpacks it with <c>dpkg-deb -x</c>, verifies every
    /// uncompressed file's SHA-256 and installs the files into <paramref name="directory"/> atomically. Files already
    /// present and matching are kept.
    /// </summary>
    /// <returns>Lines describing what was done.</returns>
    public static IReadOnlyList<string> Fetch(string directory, bool force = false)
    {
        if (!force && Set.AreVerified(directory))
        {
            return [$"Fashion-MNIST already present and verified in {directory}"];
        }
        string temp = Directory.CreateTempSubdirectory("kdlabs-fashion-mnist-").FullName;
        try
        {
            Run(temp, directory, "apt-get", ["download", $"{DebianPackage}={DebianVersion}"],
                "Run `apt-get update` first if apt does not know the package");
            string deb = Directory.GetFiles(temp, "*.deb").Single();
            string unpacked = Path.Combine(temp, "root");
            Run(temp, directory, "dpkg-deb", ["-x", deb, unpacked], "The download may be damaged; try again");
            string source = Path.Combine(unpacked, PackageFolder);
            string idx = Path.Combine(temp, "idx");
            Directory.CreateDirectory(idx);
            foreach (var name in Sha256.Keys)
            {
                string gz = Path.Combine(source, name + ".gz");
                if (!File.Exists(gz))
                {
                    throw new DataFormatException(deb, name + ".gz", $"missing from {PackageFolder} in the package", "The package content changed; report this to the KdLabs maintainers.");
                }
                using var input = File.OpenRead(gz);
                using var gzip = new GZipStream(input, CompressionMode.Decompress);
                using var output = File.Create(Path.Combine(idx, name));
                gzip.CopyTo(output);
            }
            Set.VerifyAndInstall(idx, deb, directory);
            return [$"fetched {DebianPackage} {DebianVersion} with apt-get download, verified 4 SHA-256 checksums, stored in {directory}"];
        }
        finally
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>Fetches the files when they are missing; a no-op otherwise.</summary>
    public static void EnsurePresent(string directory, Action<string>? log = null) =>
        Set.EnsurePresent(directory, dir => Fetch(dir), $"fetching {DebianPackage} {DebianVersion} with apt-get download", log);

    private static void Run(string workingDirectory, string target, string tool, string[] args, string hint) =>
        ExternalTool.Run(tool, args, workingDirectory,
            why => $"{tool} is needed to fetch Fashion-MNIST (Debian package {DebianPackage} {DebianVersion}) but could not be started: {why}. " +
                $"On Debian or Ubuntu it is part of the system; elsewhere, gunzip the four Fashion-MNIST IDX files into {target} (their SHA-256 are in data/fashion-mnist.sha256).",
            (code, stderr) => $"`{tool} {string.Join(' ', args)}` failed with exit code {code}: {stderr}. {hint}, or gunzip the four Fashion-MNIST IDX files into {target}.");
}
