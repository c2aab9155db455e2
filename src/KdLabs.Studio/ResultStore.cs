using System.Collections.Concurrent;
using System.Text.Json;
using KdLabs.Data;
using KdLabs.Infrastructure;

namespace KdLabs.Studio;

/// <summary>
/// Finished student runs by run key: in memory, and as one JSON file per key (written atomically) so a restarted
/// studio still answers a revisited setting instantly. Each file's SHA-256 is kept beside it (<see cref="ContentHash"/>):
/// a file that does not match it (garbled in place, even at the same length) or does not parse is ignored, with a
/// warning naming it, and recomputed.
/// </summary>
public sealed class ResultStore(string directory)
{
    private readonly ConcurrentDictionary<string, StudentResult> results = new();

    /// <summary>The folder holding the result files.</summary>
    public string Directory { get; } = directory;

    /// <summary>Every result known, loaded from disk first.</summary>
    public IReadOnlyCollection<StudentResult> All => results.Values.ToArray();

    /// <summary>Reads the results saved by earlier sessions.</summary>
    public void LoadSaved(Action<string> log)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            return;
        }
        foreach (string file in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            if (!ContentHash.Verify(file, log, "studio"))
            {
                continue;
            }
            try
            {
                var r = JsonSerializer.Deserialize<StudentResult>(File.ReadAllText(file), StudioEvent.Json);
                if (r is not null && r.Key == Path.GetFileNameWithoutExtension(file))
                {
                    results[r.Key] = r;
                }
            }
            catch (JsonException e)
            {
                log($"studio: ignoring {file}, which is not a result file ({e.Message}); it will be recomputed.");
            }
        }
    }

    /// <summary>The result under <paramref name="key"/>, if any.</summary>
    public StudentResult? Get(string key) => results.TryGetValue(key, out var r) ? r : null;

    /// <summary>Keeps <paramref name="result"/> in memory and on disk.</summary>
    public void Put(StudentResult result)
    {
        results[result.Key] = result;
        string path = Path.Combine(Directory, result.Key + ".json");
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(result, StudioEvent.Json));
        ContentHash.Write(path);
    }
}
