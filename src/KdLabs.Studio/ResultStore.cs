using System.Collections.Concurrent;
using System.Text.Json;
using KdLabs.Data;
using KdLabs.Infrastructure;

namespace KdLabs.Studio;

/// <summary>
/// Finished student runs by run key: in memory, and as one JSON file per key (written atomically) so a restarted
/// studio still answers a revisited setting instantly. A file that does not parse is ignored and recomputed.
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
        AtomicFile.WriteAllText(Path.Combine(Directory, result.Key + ".json"), JsonSerializer.Serialize(result, StudioEvent.Json));
    }
}
