using System.Buffers.Binary;
using System.CommandLine;
using KdLabs.Cli;
using KdLabs.Data;
using KdLabs.Datasets;
using KdLabs.Experiments;
using KdLabs.Infrastructure;

namespace KdLabs.Tests;

/// <summary>
/// CONTRIBUTING's "Adding a data set" recipe, kept honest: the CLI's <c>distill</c>, <c>zoo</c>, <c>data fetch</c> and
/// <c>setup</c> are built from <see cref="DatasetRegistry"/>, so an IDX data set registered in one line (here a throwaway
/// one, registered for this test's flow only) gets every command, fetches, verifies and loads.
/// </summary>
[Collection(Reliability.ConsoleCollection.Name)]
public class DatasetRecipeTests
{
    private static readonly string[] Names = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"];

    [Fact]
    public void EveryRegisteredDataSetHasItsDistillCommandAndEveryFetchableOneItsFetchCommand()
    {
        var root = CommandTree.Create();
        Assert.Equal(DatasetRegistry.Keys, Subcommands(root, "distill"));
        Assert.Equal(DatasetRegistry.Fetchable.Select(d => d.Key), Subcommands(root, "data", "fetch"));
        Assert.Equal([.. DatasetRegistry.All.Where(ZooOptions.Fits).Select(d => d.Key), "report"], Subcommands(root, "zoo"));
        // Every IDX data set can be fetched: a registered one without a recipe would leave `kdlabs setup` silently short.
        Assert.All(DatasetRegistry.All.OfType<IdxClassificationDataset>(), d => Assert.Contains(d, DatasetRegistry.Fetchable));
    }

    [Fact]
    public void ARegisteredIdxDataSetReachesEveryCommandFetchesAndLoads()
    {
        string source = TestData.TempDirectory();
        var sums = WriteTinySet(source);
        string home = TestData.TempDirectory();
        var toy = new IdxClassificationDataset("toy-digits", "a test's throwaway digits",
            new IdxFileSet("Toy digits", "kdlabs data fetch toy-digits", sums, home), 0.5f, 0.25f,
            [.. Enumerable.Range(0, 10).Select(i => $"class {i}")], "a test's temporary folder",
            (dir, force) =>
            {
                new IdxFileSet("Toy digits", "kdlabs data fetch toy-digits", sums, home).VerifyAndInstall(source, source, dir);
                return [$"toy digits copied into {dir}"];
            });
        string[] toyHelp;
        using (DatasetRegistry.AddScoped(toy))
        {
            Assert.Same(toy, DatasetRegistry.Get("toy-digits"));
            var root = CommandTree.Create();
            Assert.Contains("toy-digits", Subcommands(root, "distill"));
            Assert.Contains("toy-digits", Subcommands(root, "zoo"));
            Assert.Contains("toy-digits", Subcommands(root, "data", "fetch"));
            toyHelp = [Help("distill", "--help"), Help("zoo", "--help"), Help("data", "fetch", "--help")];
            Assert.Contains("Toy digits", Help("setup", "--help"));
            Assert.Contains("a test's temporary folder", Help("data", "fetch", "toy-digits", "--help"));

            // kdlabs data fetch toy-digits --dir X: the recipe's fetch, then the lab's load through the registry.
            string target = Path.Combine(TestData.TempDirectory(), "toy");
            var (exit, output) = Run("data", "fetch", "toy-digits", "--dir", target);
            Assert.True(exit == 0, output);
            Assert.Contains($"toy digits copied into {target}", output);
            using (var train = DatasetRegistry.Get("toy-digits").Load(DatasetSplit.Train, target))
            {
                Assert.Equal(20, train.Count);
            }
            // The options of both labs accept it (checked, not run), as they refuse a data set of another shape.
            new MnistDistillationOptions { Dataset = "toy-digits" }.Validate();
            new ZooOptions { Dataset = "toy-digits" }.Validate();

            // kdlabs setup's data step: fetched into its default folder when missing, then left alone.
            var lines = new List<string>();
            DataCommands.EnsureAll([toy], lines.Add);
            Assert.True(toy.Files.AreVerified(home));
            Assert.Contains(lines, l => l.StartsWith("Toy digits ready in", StringComparison.Ordinal));
        }
        Assert.All(toyHelp, h => Assert.Contains("toy-digits", h));
        // Registered for that flow only: gone once disposed, never seen by other tests.
        Assert.DoesNotContain("toy-digits", DatasetRegistry.Keys);
        Assert.DoesNotContain("toy-digits", Subcommands(CommandTree.Create(), "distill"));
    }

    [Fact]
    public void AScopedDataSetIsInvisibleToOtherFlows()
    {
        using var registered = new ManualResetEventSlim();
        using var checkedElsewhere = new ManualResetEventSlim();
        bool seenElsewhere = true;
        var other = new Thread(() =>
        {
            registered.Wait();
            seenElsewhere = DatasetRegistry.Keys.Contains("chest-xray-2");
            checkedElsewhere.Set();
        });
        other.Start();
        using (DatasetRegistry.AddScoped(new ChestXrayDatasetWithKey("chest-xray-2")))
        {
            registered.Set();
            checkedElsewhere.Wait();
            Assert.Contains("chest-xray-2", DatasetRegistry.Keys);
        }
        other.Join();
        Assert.False(seenElsewhere);
        Assert.Throws<ArgumentException>(() => DatasetRegistry.AddScoped(DatasetRegistry.Mnist));
    }

    private static IReadOnlyList<string> Subcommands(Command root, params string[] path) =>
        path.Aggregate(root, (c, name) => c.Subcommands.Single(s => s.Name == name)).Subcommands.Select(s => s.Name).ToList();

    // One line whatever the help's wrapping.
    private static string Help(params string[] args) => System.Text.RegularExpressions.Regex.Replace(Run(args).Output, @"\s+", " ");

    private static (int Exit, string Output) Run(params string[] args)
    {
        var (oldOut, oldError) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        Console.SetOut(output);
        Console.SetError(output);
        try
        {
            int exit = CliErrors.Run(CommandTree.Create(), args);
            return (exit, output.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
        }
    }

    /// <summary>Four tiny, well-formed IDX files (20 training and 10 test images of 28×28) and their SHA-256.</summary>
    private static Dictionary<string, string> WriteTinySet(string dir)
    {
        foreach (var (prefix, count) in new[] { ("train", 20), ("t10k", 10) })
        {
            WriteIdx(Path.Combine(dir, $"{prefix}-images-idx3-ubyte"), 0x0803, [count, 28, 28], i => (byte)(i * 7));
            WriteIdx(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte"), 0x0801, [count], i => (byte)(i % 10));
        }
        return Names.ToDictionary(n => n, n => FileHash.Sha256(Path.Combine(dir, n)));
    }

    private static void WriteIdx(string path, int magic, int[] dims, Func<int, byte> value)
    {
        int n = dims.Aggregate(1, (a, b) => a * b);
        var bytes = new byte[4 + (4 * dims.Length) + n];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int d = 0; d < dims.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + (4 * d)), dims[d]);
        }
        for (int i = 0; i < n; i++)
        {
            bytes[4 + (4 * dims.Length) + i] = value(i);
        }
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>A data set that is not fetchable, under another key: enough to see who sees it.</summary>
    private sealed class ChestXrayDatasetWithKey(string key) : IImageClassificationDataset
    {
        private readonly ChestXrayDataset inner = new();

        public string Key => key;

        public string DisplayName => inner.DisplayName;

        public string Description => inner.Description;

        public ImageShape InputShape => inner.InputShape;

        public IReadOnlyList<string> ClassNames => inner.ClassNames;

        public ImageNormalization Normalization => inner.Normalization;

        public IReadOnlyList<DatasetSplit> Splits => inner.Splits;

        public string DefaultDirectory => inner.DefaultDirectory;

        public void EnsurePresent(string? directory = null, Action<string>? log = null) => inner.EnsurePresent(directory, log);

        public InMemoryDataset Load(DatasetSplit split, string? directory = null, int? limit = null) => inner.Load(split, directory, limit);
    }
}
