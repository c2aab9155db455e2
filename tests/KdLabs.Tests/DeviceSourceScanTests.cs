using System.Text.RegularExpressions;
using KdLabs.Infrastructure;

namespace KdLabs.Tests;

/// <summary>
/// The second net for a forgotten device, for the code libtorch's meta device cannot run (the trainer, the batch loader,
/// the conv labs: see <see cref="DeviceTests"/>): every tensor factory call in the library (<c>zeros</c>, <c>ones</c>,
/// <c>empty</c>, <c>full</c>, <c>rand*</c>, <c>arange</c>, <c>eye</c>, <c>linspace</c>, <c>tensor</c>) must name a
/// <c>device:</c>, be moved at once with <c>.to(...)</c>, or be listed below with the reason it is CPU-side by design.
/// A new <c>zeros(n)</c> in a loss, objective or lab fails this test on the CPU, where it would otherwise run fine.
/// </summary>
public sealed partial class DeviceSourceScanTests
{
    // file (relative to src/KdLabs) → snippets of calls that are CPU-side on purpose, and why.
    private static readonly (string File, string Snippet, string Why)[] CpuByDesign =
    [
        ("Data/IdxDataset.cs", "tensor(images.Pixels", "decoded on the CPU; the lab moves the whole set once (InMemoryDataset.MoveTo)"),
        ("Data/IdxDataset.cs", "tensor(labels.AsSpan", "as above"),
        ("Data/ImageNormalization.cs", "tensor(grey", "decoded on the CPU; the lab moves the whole set once"),
        ("Data/ImageNormalization.cs", "tensor(Mean)", "as above"),
        ("Data/ImageNormalization.cs", "tensor(Std)", "as above"),
        ("Data/ImageFolderDataset.cs", "tensor(images.Labels)", "as above"),
        ("Data/RandomHorizontalFlip.cs", "rand([inputs.shape[0]", "drawn on the CPU generator so a seed gives the same flips on every device, then moved"),
        ("Models/SoftDecisionTree.cs", "empty(InnerCount", "initial weights on the CPU (same seed, same weights); the trainer moves the model"),
        ("Models/SoftDecisionTree.cs", "randn(LeafCount", "as above"),
        ("Models/SoftDecisionTree.cs", "tensor((float)Math.Log(betaInit))", "as above"),
        ("Experiments/TemperatureSofteningLab.cs", "tensor(logits)", "lesson 01's table of a handful of logits typed by the user, read back at once"),
        ("Models/OnnxResNet.cs", "torch.tensor(values, t.Dims", "weights read from the ONNX file into a CPU state dict; loading copies them to the module's device"),
        ("Training/LearnerLogitObjective.cs", "tensor(Draw(80)", "the run-identity probe: one fixed CPU batch through the learner's loss, the same fingerprint on every device"),
        ("Training/LearnerLogitObjective.cs", "tensor(Enumerable.Range(0, 8)", "as above"),
    ];

    // Files whose tensors are CPU-side throughout (none today: weights read from disk come from TorchSharp.PyBridge and are
    // moved to the module's device as they are copied), and the course's exercise checks on hand-made tensors.
    private static readonly string[] CpuFiles = [];
    private static readonly string[] CpuFolders = ["Course/"];

    [Fact]
    public void EveryTensorFactoryInTheLibraryNamesItsDevice()
    {
        string root = Path.Combine(Infrastructure.KdLabsPaths.RepositoryRoot!, "src", "KdLabs");
        var offenders = new List<string>();
        var used = new HashSet<(string, string)>();
        foreach (string path in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            string rel = Path.GetRelativePath(root, path).Replace('\\', '/');
            if (rel.StartsWith("obj/", StringComparison.Ordinal) || rel.StartsWith("bin/", StringComparison.Ordinal)
                || CpuFiles.Contains(rel) || CpuFolders.Any(f => rel.StartsWith(f, StringComparison.Ordinal)))
            {
                continue;
            }
            foreach (var (line, call) in FactoryCalls(File.ReadAllText(path)))
            {
                var allowed = CpuByDesign.FirstOrDefault(a => a.File == rel && call.Contains(a.Snippet, StringComparison.Ordinal));
                if (allowed.File is not null)
                {
                    used.Add((allowed.File, allowed.Snippet));
                    continue;
                }
                offenders.Add($"src/KdLabs/{rel}:{line}: {call}");
            }
        }
        Assert.True(offenders.Count == 0,
            "Tensors created without the device of the data they meet (add device: x.device, or .to(x.device)):\n" + string.Join("\n", offenders));
        var stale = CpuByDesign.Where(a => !used.Contains((a.File, a.Snippet))).Select(a => $"{a.File}: {a.Snippet}").ToList();
        Assert.True(stale.Count == 0, "Allow-list entries that match nothing any more (remove them):\n" + string.Join("\n", stale));
    }

    [Fact]
    public void TheScanFindsAFactoryWithoutADevice()
    {
        const string code = """
            var ok = zeros(3, device: x.device);
            var moved = randn(2, 2).to(x.device);
            // zeros(4) in a comment is fine
            var bad = torch.zeros(n,
                classes);
            var alsoBad = tensor(values);
            """;
        var calls = FactoryCalls(code).ToList();
        Assert.Equal(["torch.zeros(n, classes)", "tensor(values)"], calls.Select(c => c.Call).ToList());
        Assert.Equal([4, 6], calls.Select(c => c.Line).ToList());
    }

    /// <summary>Factory calls that neither pass <c>device:</c> nor are followed by <c>.to(</c>, with their line numbers.</summary>
    private static IEnumerable<(int Line, string Call)> FactoryCalls(string source)
    {
        string code = Comment().Replace(source, m => new string(' ', m.Length));
        foreach (Match m in Factory().Matches(code))
        {
            int open = m.Index + m.Length - 1;
            int depth = 0, close = open;
            for (int i = open; i < code.Length; i++)
            {
                depth += code[i] == '(' ? 1 : code[i] == ')' ? -1 : 0;
                if (depth == 0)
                {
                    close = i;
                    break;
                }
            }
            string args = code[open..(close + 1)];
            string after = code[(close + 1)..Math.Min(code.Length, close + 5)];
            if (args.Contains("device:", StringComparison.Ordinal) || after.StartsWith(".to(", StringComparison.Ordinal))
            {
                continue;
            }
            int line = code.Take(m.Index).Count(c => c == '\n') + 1;
            yield return (line, Whitespace().Replace(code[m.Index..(close + 1)], " ").Replace("( ", "("));
        }
    }

    [GeneratedRegex(@"(?<![\w.])(?:TorchSharp\.)?(?:torch\.)?(?:zeros|ones|empty|full|rand|randn|randint|randperm|arange|eye|linspace|tensor|scalar_tensor)\(")]
    private static partial Regex Factory();

    [GeneratedRegex(@"//[^\n]*")]
    private static partial Regex Comment();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
