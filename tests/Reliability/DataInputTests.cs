using System.Buffers.Binary;
using System.Text;
using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Tests.Reliability;

/// <summary>Bad data is refused with the file, the field and the fix, before any training starts.</summary>
[Collection(TorchRngCollection.Name)]
public class DataInputTests
{
    private static string ImageFolder(params (string Split, string Class, int Files)[] layout)
    {
        string root = TestData.TempDirectory();
        foreach (var (split, cls, files) in layout)
        {
            string dir = Path.Combine(root, split, cls);
            Directory.CreateDirectory(dir);
            for (int i = 0; i < files; i++)
            {
                File.WriteAllBytes(Path.Combine(dir, $"{i}.jpeg"), [0xFF, 0xD8]);
            }
        }
        return root;
    }

    [Fact]
    public void AChestFolderWithAThirdClassIsRefusedBeforeTraining()
    {
        string root = ImageFolder(("train", "NORMAL", 2), ("train", "PNEUMONIA", 2), ("train", "COVID", 1), ("test", "NORMAL", 1), ("test", "PNEUMONIA", 1), ("test", "COVID", 1));
        var index = ImageFolderIndex.Discover(root);
        var e = Assert.Throws<DataFormatException>(() => index.RequireClasses(2, "the chest X-ray lab is binary"));
        Assert.Contains("COVID", e.Message, StringComparison.Ordinal);
        Assert.Contains("exactly 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyClassFolderIsRefusedBeforeTraining()
    {
        string root = ImageFolder(("train", "NORMAL", 0), ("train", "PNEUMONIA", 3), ("test", "NORMAL", 1), ("test", "PNEUMONIA", 1));
        var index = ImageFolderIndex.Discover(root);
        var e = Assert.Throws<DataFormatException>(() => index.RequireEveryClassIn("train"));
        Assert.Equal(Path.Combine(index.Root, "train", "NORMAL"), e.FilePath);
    }

    [Fact]
    public void AnImageWhoseHeaderClaimsHugeDimensionsIsRefusedWithoutDecoding()
    {
        string path = Path.Combine(TestData.TempDirectory(), "huge.png");
        File.WriteAllBytes(path, PngHeader(20000, 20000));
        var reason = GrayscaleImageDecoder.TryDecode(path, 32, new byte[32 * 32]);
        Assert.NotNull(reason);
        Assert.Contains("20000×20000", reason, StringComparison.Ordinal);
        Assert.Contains("megapixels", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ChangedMnistPixelsWithTheSameLabelsAreRefusedOnLoad()
    {
        string dir = TestData.TempDirectory();
        foreach (var name in MnistFiles.Sha256.Keys)
        {
            File.Copy(Path.Combine(TestData.MnistDirectory, name), Path.Combine(dir, name));
        }
        using (var stream = File.OpenWrite(Path.Combine(dir, "train-images-idx3-ubyte")))
        {
            stream.Position = 16 + 300; // a pixel of the first image
            stream.WriteByte(0x7F);
        }
        var e = Assert.Throws<DataFormatException>(() => MnistDataset.Load(train: true, dir, 100));
        Assert.Equal("SHA-256", e.Field);
        Assert.Contains("Fetch it again with `kdlabs data fetch mnist`", e.Message, StringComparison.Ordinal);
        using var test = MnistDataset.Load(train: false, dir, 10); // the untouched split still loads
        Assert.Equal(10, test.Count);
    }

    [Fact]
    public void ADecodedImageCacheEditedOnDiskIsNotUsed()
    {
        string path = Path.Combine(TestData.TempDirectory(), "cache.bin");
        var images = new DecodedImages(2, [0, 1], [1, 2, 3, 4, 5, 6, 7, 8], ["a.jpeg", "b.jpeg"], []);
        DecodedImageCache.Write(path, images);
        var back = DecodedImageCache.TryRead(path)!;
        Assert.Equal(images.Labels, back.Labels);
        Assert.Equal(images.Pixels, back.Pixels);

        // Flip the first label (0 → 1), keeping the file's length: what a tampered or bit-rotten cache looks like.
        var bytes = File.ReadAllBytes(path);
        int at = IndexOf(bytes, Encoding.UTF8.GetBytes("a.jpeg")) + "a.jpeg".Length;
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), 1);
        File.WriteAllBytes(path, bytes);
        Assert.Null(DecodedImageCache.TryRead(path));
        File.WriteAllBytes(path, bytes[..^40]);
        Assert.Null(DecodedImageCache.TryRead(path));
    }

    [Fact]
    public void ADivergingRunStopsEvenWhileItsLossIsFiniteAndNothingIsCached()
    {
        using var data = MnistDataset.Load(train: true, TestData.MnistDirectory, 256);
        string dir = TestData.TempDirectory();
        using var model = ModelCatalog.Create("mlp-student", 1);
        var options = new TrainerOptions { Epochs = 2, BatchSize = 32, LearningRate = OptionsValidation.MaxLearningRate, Seed = 1, ReportEvery = 2, CheckpointDirectory = dir };
        var e = Assert.Throws<TrainingDivergedException>(() => new Trainer(options, TrainingProgress.Silent, _ => { }).Fit(model, data, null, new SupervisedObjective(), "teacher"));
        Assert.Contains("Lower the learning rate", e.Message, StringComparison.Ordinal);
        Assert.Null(Checkpoint.Find(dir));
    }

    /// <summary>A NaN loss is explained by its cause among the run's inputs before the learning rate is blamed.</summary>
    [Fact]
    public void ANaNLossNamesNaNWeightsOrNaNTeacherLogitsBeforeTheLearningRate()
    {
        using var data = MnistDataset.Load(train: true, TestData.MnistDirectory, 64);
        var options = new TrainerOptions { Epochs = 1, BatchSize = 32, Seed = 1, ReportEvery = 1 };
        using (var poisoned = ModelCatalog.Create("mlp-student", 1))
        {
            using (no_grad())
            {
                poisoned.parameters().First().fill_(float.NaN);
            }
            var e = Assert.Throws<TrainingDivergedException>(() => new Trainer(options, TrainingProgress.Silent, _ => { }).Fit(poisoned, data, null, new SupervisedObjective(), "student"));
            Assert.Contains("weights were already NaN", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("Lower the learning rate", e.Message, StringComparison.Ordinal);
        }
        using var model = ModelCatalog.Create("mlp-student", 1);
        using var nanLogits = full(data.Count, 10, float.NaN);
        using var teacher = TeacherLogitCache.FromLogits(nanLogits, data.Fingerprint, "nan-teacher");
        var kd = new DistillationObjective(new Losses.KdLoss(0.5, 4), teacher);
        var t = Assert.Throws<TrainingDivergedException>(() => new Trainer(options, TrainingProgress.Silent, _ => { }).Fit(model, data, null, kd, "student"));
        Assert.Contains("teacher's logits hold NaN", t.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WeightsThatHoldNaNAreRefusedNamingTheFileAndTensor()
    {
        using var model = ModelCatalog.Create("mlp-student", 1);
        using (no_grad())
        {
            model.parameters().Last()[0] = float.PositiveInfinity;
        }
        var e = Assert.Throws<DataFormatException>(() => FiniteWeights.Require(model, "weights.pth", "Download it again."));
        Assert.Contains("weights.pth", e.Message, StringComparison.Ordinal);
        Assert.Contains("1 of its", e.Message, StringComparison.Ordinal);
        using var fine = ModelCatalog.Create("mlp-student", 1);
        FiniteWeights.Require(fine, "weights.pth", "");
    }

    /// <summary>
    /// Resource-shaped files where a data file should be: a FIFO (would block the open forever), a device (reads without
    /// end), a symbolic-link loop and a folder are each refused as the user's data, naming the path, before any open.
    /// </summary>
    [Fact]
    public async Task AFifoADeviceALinkLoopOrAFolderWhereADataFileShouldBeIsRefusedNamingIt()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        string dir = TestData.TempDirectory();
        foreach (var f in Directory.GetFiles(TestData.MnistDirectory))
        {
            File.CreateSymbolicLink(Path.Combine(dir, Path.GetFileName(f)), f);
        }
        string images = Path.Combine(dir, "train-images-idx3-ubyte");
        var cases = new (string Kind, Action Make)[]
        {
            ("FIFO", () => System.Diagnostics.Process.Start("mkfifo", [images])!.WaitForExit()),
            ("character device", () => File.CreateSymbolicLink(images, "/dev/zero")),
            ("loop of links", () =>
            {
                File.CreateSymbolicLink(Path.Combine(dir, "loop-a"), Path.Combine(dir, "loop-b"));
                File.CreateSymbolicLink(Path.Combine(dir, "loop-b"), Path.Combine(dir, "loop-a"));
                File.CreateSymbolicLink(images, Path.Combine(dir, "loop-a"));
            }),
            ("folder", () => Directory.CreateDirectory(images)),
        };
        foreach (var (kind, make) in cases)
        {
            File.Delete(images);
            if (Directory.Exists(images))
            {
                Directory.Delete(images);
            }
            make();
            var load = Task.Run(() => MnistDataset.Load(train: true, dir, 10));
            Assert.True(await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(30))) == load, $"{kind}: the load hangs");
            var e = await Assert.ThrowsAsync<DataFormatException>(() => load);
            Assert.Contains(images, e.Message, StringComparison.Ordinal);
            Assert.Contains(kind, e.Message, StringComparison.Ordinal);
            File.Delete(Path.Combine(dir, "loop-a"));
            File.Delete(Path.Combine(dir, "loop-b"));
        }
    }

    [Fact]
    public void AnEmptySplitIsAClearErrorNotATensorException()
    {
        using var empty = new InMemoryDataset("empty", zeros(0, 1, 28, 28), zeros(0, ScalarType.Int64), MnistDataset.ClassNames);
        using var some = MnistDataset.Load(train: false, TestData.MnistDirectory, 20);
        using var model = ModelCatalog.Create("mlp-student", 1);
        var trainer = new Trainer(new TrainerOptions { Epochs = 1 }, TrainingProgress.Silent, _ => { });
        Assert.Contains("training split is empty", Assert.Throws<UserErrorException>(() => trainer.Fit(model, empty, some, new SupervisedObjective(), "r")).Message, StringComparison.Ordinal);
        Assert.Contains("test split is empty", Assert.Throws<UserErrorException>(() => trainer.Fit(model, some, empty, new SupervisedObjective(), "r")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATemperatureAboveTheBoundIsRefused()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new Losses.KdLoss(0.5, 1e9));
        Assert.Contains("between 0.01 and 100", e.Message, StringComparison.Ordinal);
        _ = new Losses.KdLoss(0.5, 100);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (int i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return i;
            }
        }
        throw new InvalidOperationException("not found");
    }

    // A PNG signature, an IHDR claiming width × height (8-bit grey), a token IDAT and IEND: a header without the pixels.
    private static byte[] PngHeader(int width, int height)
    {
        var png = new List<byte> { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A };
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        Chunk(png, "IHDR", ihdr);
        Chunk(png, "IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(List<byte> png, string type, byte[] data)
    {
        var length = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        png.AddRange(length);
        var body = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.AddRange(body);
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(body));
        png.AddRange(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in bytes)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }
        return ~crc;
    }
}
