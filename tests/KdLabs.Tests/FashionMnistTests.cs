using System.Buffers.Binary;
using System.Text.Json;
using KdLabs.Data;
using KdLabs.Datasets;
using KdLabs.Infrastructure;

namespace KdLabs.Tests;

[Collection(TorchRngCollection.Name)]
public class FashionMnistTests
{
    private static void WriteIdx(string path, int[] dims, byte fill)
    {
        int n = dims.Aggregate(1, (a, b) => a * b);
        var bytes = new byte[4 + 4 * dims.Length + n];
        bytes[2] = 0x08;
        bytes[3] = (byte)dims.Length;
        for (int d = 0; d < dims.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        }
        bytes.AsSpan(4 + 4 * dims.Length).Fill(fill);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>A folder with four well-formed but tiny (so not canonical) IDX files.</summary>
    private static string TinySet()
    {
        string dir = TestData.TempDirectory();
        foreach (var prefix in new[] { "train", "t10k" })
        {
            WriteIdx(Path.Combine(dir, $"{prefix}-images-idx3-ubyte"), [2, 28, 28], 7);
            WriteIdx(Path.Combine(dir, $"{prefix}-labels-idx1-ubyte"), [2], 3);
        }
        return dir;
    }

    [Fact]
    public void AFileThatIsNotTheCanonicalOneIsRefusedByName()
    {
        string dir = TinySet();
        var e = Assert.Throws<DataFormatException>(() => DatasetRegistry.FashionMnist.Load(DatasetSplit.Train, dir));
        Assert.Equal(Path.Combine(dir, "train-images-idx3-ubyte"), e.FilePath);
        Assert.Equal("SHA-256", e.Field);
        Assert.Contains("Fashion-MNIST", e.Message);
        Assert.Contains("Fetch it again with `kdlabs data fetch fashion-mnist`", e.Message);
    }

    [Fact]
    public void AMalformedFileIsRefusedByNameWithTheFashionMnistFix()
    {
        string dir = TinySet();
        string bad = Path.Combine(dir, "t10k-labels-idx1-ubyte");
        File.WriteAllBytes(bad, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        var e = Assert.Throws<DataFormatException>(() => DatasetRegistry.FashionMnist.Load(DatasetSplit.Test, dir));
        Assert.Equal(bad, e.FilePath);
        Assert.Contains("kdlabs data fetch fashion-mnist", e.Message);
        Assert.DoesNotContain("fetch mnist", e.Message);
    }

    [Fact]
    public void AMissingFileNamesTheFetch()
    {
        string dir = TinySet();
        File.Delete(Path.Combine(dir, "train-labels-idx1-ubyte"));
        var e = Assert.Throws<DataFormatException>(() => DatasetRegistry.FashionMnist.Load(DatasetSplit.Train, dir));
        Assert.Contains("kdlabs data fetch fashion-mnist", e.Message);
        var partial = Assert.Throws<DataFormatException>(() => DatasetRegistry.FashionMnist.EnsurePresent(dir));
        Assert.Contains("train-labels-idx1-ubyte missing", partial.Message);
    }

    [Fact]
    public void TheRealFilesLoadWithTheirOwnNameAndStatistics()
    {
        string dir = TestData.FashionMnistDirectory;
        using var test = DatasetRegistry.FashionMnist.Load(DatasetSplit.Test, dir, 1000);
        Assert.Equal("fashion-mnist-test[:1000]", test.Name);
        Assert.Equal(new long[] { 1000, 1, 28, 28 }, test.Features.shape);
        Assert.Equal(9, test.LabelArray()[0]); // the first test image is an ankle boot
        Assert.StartsWith("fashion-mnist-test[:1000]:1000:", test.Fingerprint);
        using var mnist = DatasetRegistry.Mnist.Load(DatasetSplit.Test, TestData.MnistDirectory, 1000);
        Assert.NotEqual(mnist.Fingerprint, test.Fingerprint);
    }

    [Fact]
    public void CliDistillFashionMnistSmokeRunsEndToEnd()
    {
        _ = TestData.FashionMnistDirectory;
        string outDir = TestData.TempDirectory();
        var (code, output) = CliRunner.Run("distill", "fashion-mnist", "--smoke", "--out", outDir);
        Assert.True(code == 0, output);
        Assert.Contains("Fashion-MNIST distillation", output);
        Assert.Contains("data: Fashion-MNIST", output);
        Assert.DoesNotContain("MNIST cnn", output.Replace("Fashion-MNIST cnn", ""));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "results.json")));
        Assert.Equal(3, json.RootElement.GetProperty("Models").GetArrayLength());
        Assert.Equal("fashion-mnist", json.RootElement.GetProperty("Dataset").GetString());
        Assert.Contains("Fashion-MNIST distillation", File.ReadAllText(Path.Combine(outDir, "report.html")));
    }

    [Fact]
    public void CliRefusesTheSoftTreeStudentOnFashionMnist()
    {
        var (code, output) = CliRunner.Run("distill", "fashion-mnist", "--smoke", "--student", "sdt", "--out", TestData.TempDirectory());
        Assert.NotEqual(0, code);
        Assert.Contains("distill mnist --student sdt", output);
    }
}
