using System.Buffers.Binary;
using KdLabs.Data;
using KdLabs.Infrastructure;

namespace KdLabs.Tests;

public class IdxFileTests
{
    private static byte[] Idx(uint magic, int[] dims, int dataLength)
    {
        var bytes = new byte[4 + 4 * dims.Length + dataLength];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, magic);
        for (int d = 0; d < dims.Length; d++)
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        }
        for (int i = 0; i < dataLength; i++)
        {
            bytes[4 + 4 * dims.Length + i] = (byte)(i % 251);
        }
        return bytes;
    }

    [Fact]
    public void ReadsAWellFormedImageFile()
    {
        string path = Path.Combine(TestData.TempDirectory(), "images");
        File.WriteAllBytes(path, Idx(0x803, [3, 2, 4], 24));
        var images = IdxFile.ReadImages(path);
        Assert.Equal((3, 2, 4), (images.Count, images.Rows, images.Columns));
        Assert.Equal(24, images.Pixels.Length);
        Assert.Equal(23, images.Pixels[23]);
    }

    [Fact]
    public void ReadsAWellFormedLabelFile()
    {
        string path = Path.Combine(TestData.TempDirectory(), "labels");
        var bytes = Idx(0x801, [5], 5);
        bytes.AsSpan(8).Fill(7);
        File.WriteAllBytes(path, bytes);
        Assert.Equal(new byte[] { 7, 7, 7, 7, 7 }, IdxFile.ReadLabels(path));
    }

    [Fact]
    public void RejectsABadMagicNumberNamingTheFileAndField()
    {
        string path = Path.Combine(TestData.TempDirectory(), "labels-as-images");
        File.WriteAllBytes(path, Idx(0x801, [5], 5));
        var e = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(path));
        Assert.Equal(path, e.FilePath);
        Assert.Equal("magic number", e.Field);
        Assert.Contains("0x00000801", e.Message);
        Assert.Contains("kdlabs data fetch mnist", e.Message);
    }

    [Fact]
    public void RejectsATruncatedFileInsteadOfHalfReadingIt()
    {
        string path = Path.Combine(TestData.TempDirectory(), "truncated");
        var bytes = Idx(0x803, [10, 28, 28], 10 * 28 * 28);
        File.WriteAllBytes(path, bytes[..^100]);
        var e = Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(path));
        Assert.Equal("length", e.Field);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void RejectsTrailingBytesAndAShortHeader()
    {
        string dir = TestData.TempDirectory();
        File.WriteAllBytes(Path.Combine(dir, "long"), [.. Idx(0x801, [2], 2), 0]);
        File.WriteAllBytes(Path.Combine(dir, "short"), [0, 0, 8, 3, 0, 0]);
        Assert.Equal("length", Assert.Throws<DataFormatException>(() => IdxFile.ReadLabels(Path.Combine(dir, "long"))).Field);
        Assert.Equal("header", Assert.Throws<DataFormatException>(() => IdxFile.ReadImages(Path.Combine(dir, "short"))).Field);
    }

    [Fact]
    public void RejectsLabelsOutsideTheDigitRange()
    {
        string path = Path.Combine(TestData.TempDirectory(), "labels");
        var bytes = Idx(0x801, [3], 3);
        bytes[^1] = 12;
        File.WriteAllBytes(path, bytes);
        Assert.Equal("label[2]", Assert.Throws<DataFormatException>(() => IdxFile.ReadLabels(path)).Field);
    }

    [Fact]
    public void AMissingDataFolderSaysHowToFetchIt()
    {
        var e = Assert.Throws<DataFormatException>(() => MnistDataset.Load(train: true, Path.Combine(TestData.TempDirectory(), "nowhere")));
        Assert.Contains("kdlabs data fetch mnist", e.Message);
    }

    [Fact]
    public void ChecksumsInCodeMatchTheRepositoryChecksumFile()
    {
        string file = Path.Combine(KdLabsPaths.RepositoryRoot!, "data", "mnist.sha256");
        var fromFile = File.ReadAllLines(file).Where(l => l.Length > 0).Select(l => l.Split("  ")).ToDictionary(p => p[1], p => p[0]);
        Assert.Equal(fromFile.OrderBy(kv => kv.Key), MnistFiles.Sha256.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void RealMnistLoadsWithTheCanonicalCountsAndNormalisation()
    {
        using var test = MnistDataset.Load(train: false, TestData.MnistDirectory);
        Assert.Equal(10_000, test.Count);
        Assert.Equal(new long[] { 10_000, 1, 28, 28 }, test.Features.shape);
        Assert.Equal(7, test.LabelArray()[0]); // the first MNIST test digit is a 7
        Assert.InRange(test.Features.mean().item<float>(), -0.05f, 0.05f);
        Assert.InRange(test.Features.std().item<float>(), 0.95f, 1.05f);
    }
}
