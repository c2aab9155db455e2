using System.Text.RegularExpressions;
using KdLabs.Infrastructure;

namespace KdLabs.Tests;

/// <summary>
/// The library's folders are layers and nothing imports upward: infrastructure, then data/models/losses/metrics,
/// then training, then distillation methods, then charts, then the labs, then the course checks. A source scan,
/// so a `using`, a fully qualified name or a namespace-relative name (`Training.Trainer` inside `KdLabs.Models`) all count.
/// </summary>
public sealed partial class LayeringTests
{
    /// <summary>Each folder of src/KdLabs and its layer; a folder may use its own layer and those below.</summary>
    public static readonly IReadOnlyDictionary<string, int> Layers = new Dictionary<string, int>
    {
        ["Infrastructure"] = 0,
        ["Data"] = 1,
        ["Datasets"] = 1,
        ["Models"] = 1,
        ["Losses"] = 1,
        ["Evaluation"] = 1,
        ["Training"] = 2,
        ["Methods"] = 3,
        ["Plots"] = 4,
        ["Experiments"] = 5,
        ["Course"] = 6,
    };

    [Fact]
    public void NoLibraryFolderImportsALayerAboveIt()
    {
        string root = LibraryRoot();
        var violations = new List<string>();
        foreach (string file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, file);
            if (relative.StartsWith("obj", StringComparison.Ordinal) || relative.StartsWith("bin", StringComparison.Ordinal))
            {
                continue;
            }

            string folder = relative.Contains(Path.DirectorySeparatorChar) ? relative[..relative.IndexOf(Path.DirectorySeparatorChar)] : "";
            Assert.True(folder.Length > 0, $"{relative}: library files live in a layer folder, not at the project root");
            Assert.True(Layers.ContainsKey(folder), $"src/KdLabs/{folder}/ is not in LayeringTests.Layers: give it a layer");
            violations.AddRange(UpwardReferences(folder, File.ReadAllText(file)).Select(v => $"{relative}: {v}"));
        }

        Assert.True(violations.Count == 0, "upward imports:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void TheScanCatchesADeliberateUpwardImport()
    {
        const string models = """
            using KdLabs.Data;
            using KdLabs.Training;

            namespace KdLabs.Models;

            // Experiments.ZooLab in a comment does not count.
            public sealed class Bad { private readonly Plots.ChartStyle style = new(); private KdLabs.Course.KitCheck? k; }
            """;
        var found = UpwardReferences("Models", models);
        Assert.Equal(["KdLabs.Training (layer 2 > Models 1)", "KdLabs.Plots (layer 4 > Models 1)", "KdLabs.Course (layer 6 > Models 1)"], found);
        Assert.Empty(UpwardReferences("Course", models));
    }

    [Fact]
    public void TerminalOutputPackagesStayOutOfTheLibrary()
    {
        string project = File.ReadAllText(Path.Combine(LibraryRoot(), "KdLabs.csproj"));
        Assert.DoesNotContain("Spectre.Console", project);
        foreach (string file in Directory.EnumerateFiles(LibraryRoot(), "*.cs", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain("Spectre.", File.ReadAllText(file));
        }
    }

    /// <summary>The upward references in one source file of <paramref name="folder"/>, as "KdLabs.X (layer a > folder b)".</summary>
    public static IReadOnlyList<string> UpwardReferences(string folder, string source)
    {
        int own = Layers[folder];
        string code = CommentOrString().Replace(source, " ");
        var seen = new List<string>();
        foreach (Match m in Reference().Matches(code))
        {
            string target = m.Groups["layer"].Value;
            if (Layers.TryGetValue(target, out int layer) && layer > own && !seen.Contains(target))
            {
                seen.Add(target);
            }
        }

        return seen.Select(t => $"KdLabs.{t} (layer {Layers[t]} > {folder} {own})").ToList();
    }

    private static string LibraryRoot() => Path.Combine(KdLabsPaths.RepositoryRoot!, "src", "KdLabs");

    // "KdLabs.Training" anywhere, or "Training.Name" not preceded by a dot (namespace-relative inside KdLabs.*).
    [GeneratedRegex(@"(?:\bKdLabs\.|(?<![\w.])(?=\w+\.[A-Z]))(?<layer>[A-Z]\w*)")]
    private static partial Regex Reference();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/|@?""(?:[^""\\\n]|\\.)*""", RegexOptions.Singleline)]
    private static partial Regex CommentOrString();
}
