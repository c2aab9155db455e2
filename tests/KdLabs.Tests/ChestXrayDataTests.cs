using KdLabs.Data;
using KdLabs.Infrastructure;
using SkiaSharp;

namespace KdLabs.Tests;

public class ChestXrayDataTests
{
    /// <summary>A small Kaggle-layout folder of real JPEGs drawn by the synthetic generator.</summary>
    private static string MakeFolder(int normal, int pneumonia, int pixels = 48, string[]? splits = null)
    {
        string root = TestData.TempDirectory();
        foreach (var split in splits ?? ["train", "test"])
        {
            for (int c = 0; c < 2; c++)
            {
                string dir = Path.Combine(root, split, SyntheticChestXray.ClassNames[c]);
                Directory.CreateDirectory(dir);
                for (int i = 0; i < (c == 0 ? normal : pneumonia); i++)
                {
                    var grey = SyntheticChestXray.Render(new Random(100 * c + i), pixels, c == 1);
                    File.WriteAllBytes(Path.Combine(dir, $"img-{i:D3}.jpeg"), SyntheticChestXray.EncodeJpeg(grey, pixels));
                }
            }
        }
        return root;
    }

    private static string UniqueName() => "test-" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public void DiscoverFindsSplitsClassesAndCountsAndReportsImbalance()
    {
        string root = MakeFolder(3, 9);
        File.WriteAllText(Path.Combine(root, "train", "NORMAL", ".DS_Store"), "x");
        File.WriteAllText(Path.Combine(root, "train", "NORMAL", "notes.txt"), "x");
        var index = ImageFolderIndex.Discover(root);
        Assert.Equal(["NORMAL", "PNEUMONIA"], index.ClassNames);
        Assert.Equal(["train", "test"], index.Splits.Keys.Order().Reverse());
        Assert.Equal([3, 9], index.ClassCounts("train"));
        Assert.Equal(3.0, index.ImbalanceRatio("train"));
        Assert.Contains("train: 12 images (NORMAL 3, PNEUMONIA 9; PNEUMONIA is 75 %, imbalance 3.00:1)", index.Describe());
        Assert.All(index.Files("train"), f => Assert.EndsWith(".jpeg", f.Path));
    }

    [Fact]
    public void DiscoverDescendsIntoTheKaggleArchivesChestXrayFolderAndRejectsMismatchedClasses()
    {
        string outer = TestData.TempDirectory();
        string inner = MakeFolder(1, 1);
        Directory.Move(inner, Path.Combine(outer, "chest_xray"));
        Assert.Equal(Path.Combine(outer, "chest_xray"), ImageFolderIndex.Discover(outer).Root);

        string bad = MakeFolder(1, 1);
        Directory.Move(Path.Combine(bad, "test", "PNEUMONIA"), Path.Combine(bad, "test", "VIRAL"));
        var e = Assert.Throws<DataFormatException>(() => ImageFolderIndex.Discover(bad));
        Assert.Equal("class folders", e.Field);
        Assert.Contains(Path.Combine(bad, "test"), e.Message);
        Assert.Throws<DataFormatException>(() => ImageFolderIndex.Discover(Path.Combine(bad, "nowhere")));
    }

    [Fact]
    public void JpegAndPngDecodeToNormalisedThreeChannelImagesOfTheRequestedSize()
    {
        string root = MakeFolder(2, 2, pixels: 50);
        // A colour PNG: grey must be the 601 luma, so pure green (0,255,0) becomes 150.
        using (var bmp = new SKBitmap(40, 30))
        {
            bmp.Erase(new SKColor(0, 255, 0));
            using var image = SKImage.FromBitmap(bmp);
            using var png = image.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(Path.Combine(root, "train", "NORMAL", "green.png"), png.ToArray());
        }
        var index = ImageFolderIndex.Discover(root);
        var load = ImageFolderDataset.Load(index, "train", new ImageLoadOptions { Size = 32, UseCache = false }, UniqueName());
        using var data = load.Data;
        Assert.Equal([5L, 3, 32, 32], data.Features.shape);
        Assert.Equal([0L, 0, 0, 1, 1], data.LabelArray());
        var norm = ImageNormalization.ImageNet;
        using var grey = norm.ToGrey(data.Features);
        Assert.InRange(grey.min().item<float>(), 0f, 1f);
        Assert.InRange(grey.max().item<float>(), 0f, 1f);
        Assert.True(grey.max().item<float>() > 0.3f, "a drawn radiograph has bright parts");
        // Channel c is (g − mean_c)/std_c of the same grey g.
        using var c2 = data.Features.select(1, 2).mul(norm.Std[2]).add(norm.Mean[2]);
        Assert.True(c2.allclose(grey, atol: 1e-5));
        int pngIndex = index.Files("train").ToList().FindIndex(f => f.Path.EndsWith("green.png"));
        Assert.Equal(150f / 255f, grey[pngIndex, 10, 10].item<float>(), 3);
    }

    /// <summary>A decoded-image cache garbled in place at the same length fails its hash: decoded again, with a warning naming the file.</summary>
    [Fact]
    public void ACacheGarbledAtTheSameLengthIsDecodedAgainWithAWarning()
    {
        var index = ImageFolderIndex.Discover(MakeFolder(2, 2));
        var options = new ImageLoadOptions { Size = 16 };
        string name = UniqueName();
        var first = ImageFolderDataset.Load(index, "train", options, name);
        byte[] good = File.ReadAllBytes(first.CachePath);
        byte[] bad = [.. good];
        bad[good.Length - 100] ^= 0x01; // one pixel
        File.WriteAllBytes(first.CachePath, bad);
        var logs = new List<string>();
        var second = ImageFolderDataset.Load(index, "train", options, name, logs.Add);
        Assert.False(second.FromCache);
        Assert.Contains(logs, l => l.Contains(first.CachePath, StringComparison.Ordinal) && l.Contains("does not match its content hash", StringComparison.Ordinal));
        Assert.True(first.Data.Features.eq(second.Data.Features).all().item<bool>());
        Assert.Equal(good, File.ReadAllBytes(first.CachePath));
        first.Data.Dispose();
        second.Data.Dispose();
    }

    [Fact]
    public void TheSecondLoadIsACacheHitAndAChangedFileInvalidatesIt()
    {
        string root = MakeFolder(3, 3);
        var index = ImageFolderIndex.Discover(root);
        var options = new ImageLoadOptions { Size = 24 };
        string name = UniqueName();
        var first = ImageFolderDataset.Load(index, "train", options, name);
        var second = ImageFolderDataset.Load(index, "train", options, name);
        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal(first.CachePath, second.CachePath);
        Assert.True(first.Data.Features.eq(second.Data.Features).all().item<bool>());

        var file = index.Files("train")[0].Path;
        File.WriteAllBytes(file, SyntheticChestXray.EncodeJpeg(SyntheticChestXray.Render(new Random(999), 48, true), 48));
        File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(1));
        var third = ImageFolderDataset.Load(ImageFolderIndex.Discover(root), "train", options, name);
        Assert.False(third.FromCache);
        Assert.NotEqual(first.CachePath, third.CachePath);
        Assert.False(File.Exists(first.CachePath), "the stale cache of the same split and size is removed");
        var otherSize = ImageFolderDataset.Load(index, "train", options with { Size = 16 }, name);
        Assert.False(otherSize.FromCache);
        foreach (var l in new[] { first, second, third, otherSize })
        {
            l.Data.Dispose();
        }
    }

    [Fact]
    public void CorruptFilesAreSkippedAndListedUpToOnePercentAndRefusedBeyond()
    {
        string root = MakeFolder(40, 70, pixels: 32, splits: ["train"]);
        string garbage = Path.Combine(root, "train", "PNEUMONIA", "broken.jpeg");
        File.WriteAllBytes(garbage, [0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5]);
        var options = new ImageLoadOptions { Size = 16, UseCache = false };
        var load = ImageFolderDataset.Load(ImageFolderIndex.Discover(root), "train", options, UniqueName());
        Assert.Equal(110, load.Data.Count);
        var skipped = Assert.Single(load.Skipped);
        Assert.Equal(garbage, skipped.Path);
        load.Data.Dispose();

        // A truncated JPEG is corrupt too, and two bad files of 112 (1.8 %) exceed the 1 % rule.
        string good = Path.Combine(root, "train", "NORMAL", "img-000.jpeg");
        var bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(Path.Combine(root, "train", "NORMAL", "truncated.jpeg"), bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<DataFormatException>(() => ImageFolderDataset.Load(ImageFolderIndex.Discover(root), "train", options, UniqueName()));
        Assert.Contains("2 of 112 files", e.Message);
        Assert.Contains("broken.jpeg", e.Message);
        Assert.Contains("docs/chest-xray.md", e.Message);
    }

    [Fact]
    public void TheSyntheticGeneratorIsDeterministicAndMarksItsOutput()
    {
        string a = TestData.TempDirectory(), b = TestData.TempDirectory(), c = TestData.TempDirectory();
        var setA = SyntheticChestXray.Generate(a, 24, seed: 5, pixelSize: 48);
        SyntheticChestXray.Generate(b, 24, seed: 5, pixelSize: 48);
        SyntheticChestXray.Generate(c, 24, seed: 6, pixelSize: 48);
        string[] Hashes(string root) => Directory.GetFiles(root, "*.jpeg", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(root, f) + FileHash.Sha256(f)).ToArray();
        Assert.Equal(Hashes(a), Hashes(b));
        Assert.NotEqual(Hashes(a), Hashes(c));
        Assert.True(SyntheticChestXray.IsSynthetic(a));
        Assert.Contains("SYNTHETIC STAND-IN", File.ReadAllText(Path.Combine(a, "README.txt")));
        var index = ImageFolderIndex.Discover(a);
        Assert.Equal(setA.Counts["train"], index.ClassCounts("train"));
        Assert.Equal([6, 18], index.ClassCounts("train"));
        Assert.True(SyntheticChestXray.Generate(a, 24, seed: 5, pixelSize: 48).Reused);
    }

    [Fact]
    public void OverriddenSplitSizesKeepTheTrainingImagesAndTheTestClassShares()
    {
        var kaggle = SyntheticChestXray.SplitCounts(3000);
        var large = SyntheticChestXray.SplitCounts(3000, testCount: 2000, valCount: 1000);
        Assert.Equal(kaggle["train"], large["train"]);
        Assert.Equal([750, 1250], large["test"]);
        Assert.Equal([375, 625], large["val"]);
        Assert.Equal(kaggle["val"][0], kaggle["val"][1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticChestXray.SplitCounts(3000, testCount: 10));

        string a = TestData.TempDirectory(), b = TestData.TempDirectory();
        SyntheticChestXray.Generate(a, 24, seed: 5, pixelSize: 48);
        SyntheticChestXray.Generate(b, 24, seed: 5, pixelSize: 48, testCount: 30, valCount: 8);
        string[] Train(string root) => Directory.GetFiles(Path.Combine(root, "train"), "*.jpeg", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(f => Path.GetRelativePath(root, f) + FileHash.Sha256(f)).ToArray();
        Assert.Equal(Train(a), Train(b));
        Assert.Equal([11, 19], ImageFolderIndex.Discover(b).ClassCounts("test"));
    }

    [Fact]
    public void AValidationRunReportsOnTheValSplitWithTheTestRunsTeacher()
    {
        string root = TestData.TempDirectory();
        SyntheticChestXray.Generate(root, 24, seed: 5, pixelSize: 48, testCount: 20, valCount: 8);
        KdLabs.Experiments.ChestXrayOptions Options(bool validation) => new()
        {
            Lab = new() { DataDirectory = root, OutputDirectory = TestData.TempDirectory(), Seeds = [1], Device = "cpu", Smoke = true },
            Validation = validation,
        };
        using var test = new KdLabs.Experiments.ChestXrayLab(Options(false), KdLabs.Training.TrainingProgress.Silent, _ => { });
        using var val = new KdLabs.Experiments.ChestXrayLab(Options(true), KdLabs.Training.TrainingProgress.Silent, _ => { });
        test.LoadData();
        val.LoadData();
        Assert.Same(test.Test, test.Evaluation);
        Assert.Equal(("test", 20, "validation", 8), (test.EvaluationName, test.Evaluation.Count, val.EvaluationName, val.Evaluation.Count));
        Assert.NotEqual(val.Test.Fingerprint, val.Evaluation.Fingerprint);
        // One teacher for both: a validation run must not train (or choose settings with) a teacher of its own.
        Assert.Equal(test.TeacherKey().Hash, val.TeacherKey().Hash);
    }

    [Fact]
    public void AValidationRunShowsNoBestEpochForTheTeacherWhoseHistoryIsOnTheTestSet()
    {
        string root = TestData.TempDirectory();
        SyntheticChestXray.Generate(root, 24, seed: 5, pixelSize: 48, testCount: 20, valCount: 8);
        KdLabs.Experiments.ChestXrayOptions Options(bool validation) => new()
        {
            Lab = new() { DataDirectory = root, OutputDirectory = TestData.TempDirectory(), Seeds = [1], Device = "cpu", Smoke = true },
            Validation = validation,
        };
        using var val = new KdLabs.Experiments.ChestXrayLab(Options(true), KdLabs.Training.TrainingProgress.Silent, _ => { });
        val.GetTeacher();
        var row = val.EvaluateTeacher(1);
        Assert.Null(row.BestEpoch);
        Assert.True(double.IsNaN(row.BestEpochTestAccuracy));
        // The test-set run (the same teacher, reused) keeps its best epoch: its history is on the split it reports on.
        using var test = new KdLabs.Experiments.ChestXrayLab(Options(false), KdLabs.Training.TrainingProgress.Silent, _ => { });
        test.GetTeacher();
        var testRow = test.EvaluateTeacher(1);
        Assert.Equal(test.TeacherHistory.Best.Epoch, testRow.BestEpoch);
        Assert.Equal(test.TeacherHistory.Best.TestAccuracy, testRow.BestEpochTestAccuracy);
    }

    /// <summary>The stand-in's split sizes are the lab's own settings, honoured wherever the lab is built (a notebook too), not only by the CLI.</summary>
    [Fact]
    public void TheLabGeneratesTheStandInAtTheSplitSizesItIsGiven()
    {
        using var lab = new KdLabs.Experiments.ChestXrayLab(new KdLabs.Experiments.ChestXrayOptions
        {
            Lab = new() { OutputDirectory = TestData.TempDirectory(), Seeds = [1], Device = "cpu", Smoke = true },
            Synthetic = true, SyntheticTrainCount = 24, SyntheticTestCount = 30, SyntheticValidationCount = 6, Validation = true,
        }, KdLabs.Training.TrainingProgress.Silent, _ => { });
        lab.LoadData();
        Assert.True(lab.Synthetic);
        Assert.Equal((24, 30, 6), (lab.Train.Count, lab.Test.Count, lab.Evaluation.Count));
    }

    [Fact]
    public void ChestXrayValidationNeedsTheSyntheticSet()
    {
        var e = Assert.Throws<ArgumentException>(() => new KdLabs.Experiments.ChestXrayOptions { Validation = true }.Validate());
        Assert.Equal("Validation", e.ParamName);
        Assert.Contains("(Synthetic)", e.Message);
        var plain = new KdLabs.Experiments.ChestXrayOptions { Synthetic = true };
        Assert.Equal(SyntheticChestXray.DefaultDirectory(1200, 2018), plain.Dataset().DefaultDirectory);
        Assert.Equal(SyntheticChestXray.DefaultDirectory(1200, 2018, 2000, 1000), (plain with { SyntheticTestCount = 2000, SyntheticValidationCount = 1000 }).Dataset().DefaultDirectory);
        Assert.Equal(KdLabs.Training.LrSchedule.Cosine,
            new KdLabs.Experiments.ChestXrayOptions { Training = new() { Schedule = KdLabs.Training.LrSchedule.Cosine } }.StudentTrainer(1, null).Schedule);
    }

    [Fact]
    public void RandomHorizontalFlipMirrorsSomeSamplesReproducibly()
    {
        using var x = TorchSharp.torch.arange(16 * 2 * 3 * 4, TorchSharp.torch.ScalarType.Float32).view(16, 2, 3, 4);
        var flip = new RandomHorizontalFlip();
        using var a = flip.Apply(x, 42);
        using var b = flip.Apply(x, 42);
        Assert.True(a.eq(b).all().item<bool>());
        int flipped = 0;
        for (int i = 0; i < 16; i++)
        {
            bool same = a[i].eq(x[i]).all().item<bool>();
            bool mirrored = a[i].eq(x[i].flip(2)).all().item<bool>();
            Assert.True(same ^ mirrored);
            flipped += mirrored ? 1 : 0;
        }
        Assert.InRange(flipped, 1, 15);
    }
}
