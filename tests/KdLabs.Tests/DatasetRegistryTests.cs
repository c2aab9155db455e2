using KdLabs.Datasets;
using KdLabs.Experiments;

namespace KdLabs.Tests;

public class DatasetRegistryTests
{
    [Theory]
    [InlineData("mnist", "MNIST", 1, 28, 10)]
    [InlineData("fashion-mnist", "Fashion-MNIST", 1, 28, 10)]
    [InlineData("Fashion-MNIST", "Fashion-MNIST", 1, 28, 10)]
    [InlineData("chest-xray", "chest X-ray", 3, 224, 2)]
    public void LooksUpEachDataSetByName(string key, string displayName, int channels, int size, int classes)
    {
        var d = DatasetRegistry.Get(key);
        Assert.Equal(displayName, d.DisplayName);
        Assert.Equal(new ImageShape(channels, size, size), d.InputShape);
        Assert.Equal(classes, d.ClassNames.Count);
        Assert.Equal(channels, d.Normalization.Channels);
        // The Kaggle layout ships a val split; the MNISTs carve theirs from the training images and refuse to load one.
        Assert.Equal(key == "chest-xray" ? [DatasetSplit.Train, DatasetSplit.Test, DatasetSplit.Validation] : [DatasetSplit.Train, DatasetSplit.Test], d.Splits);
        if (key != "chest-xray")
        {
            Assert.Throws<ArgumentException>(() => d.Load(DatasetSplit.Validation));
        }
    }

    [Fact]
    public void AnUnknownNameListsTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => DatasetRegistry.Get("cifar10"));
        Assert.Contains("cifar10", e.Message);
        foreach (var key in new[] { "mnist", "fashion-mnist", "chest-xray" })
        {
            Assert.Contains(key, e.Message);
        }
    }

    [Fact]
    public void FashionMnistHasItsOwnStatisticsClassesAndFolder()
    {
        var f = DatasetRegistry.FashionMnist;
        Assert.Equal((0.2860f, 0.3530f), (f.Mean, f.Std));
        Assert.Equal("T-shirt/top", f.ClassNames[0]);
        Assert.Equal("Ankle boot", f.ClassNames[9]);
        Assert.EndsWith(Path.Combine("data", "fashion-mnist"), f.DefaultDirectory);
        Assert.NotEqual(DatasetRegistry.Mnist.Mean, f.Mean);
    }

    [Fact]
    public void TheChecksumFilesMatchTheLoaders()
    {
        foreach (var (file, sums) in new[] { ("mnist.sha256", Data.MnistFiles.Sha256), ("fashion-mnist.sha256", Data.FashionMnistFiles.Sha256) })
        {
            var lines = File.ReadAllLines(Path.Combine(Infrastructure.KdLabsPaths.RepositoryRoot!, "data", file)).Where(l => l.Length > 0)
                .Select(l => l.Split("  ")).ToDictionary(p => p[1], p => p[0]);
            Assert.Equal(sums.OrderBy(kv => kv.Key), lines.OrderBy(kv => kv.Key));
        }
    }

    [Fact]
    public void TheDistillationLabRefusesADataSetOfAnotherShape()
    {
        var e = Assert.Throws<ArgumentException>(() => new MnistDistillationOptions { Dataset = "chest-xray" }.Validate());
        Assert.Contains("kdlabs chest-xray", e.Message);
        Assert.Contains("fashion-mnist", e.Message);
        Assert.Throws<ArgumentException>(() => new MnistDistillationOptions { Dataset = "nope" }.Validate());
        new MnistDistillationOptions { Dataset = "fashion-mnist" }.Validate();
    }
}
