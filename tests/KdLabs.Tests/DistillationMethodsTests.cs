using System.Text.Json;
using KdLabs.Experiments;
using KdLabs.Methods;

namespace KdLabs.Tests;

/// <summary>The method registry: unique keys, every method described, lookups that name the valid keys.</summary>
public class DistillationMethodsTests
{
    [Fact]
    public void EveryKeyAndAliasIsUniqueAndEveryMethodHasATitleTermsAndAPaper()
    {
        var names = DistillationMethods.All.SelectMany(m => m.Aliases.Prepend(m.Key)).Select(k => k.ToLowerInvariant()).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        Assert.All(DistillationMethods.All, m =>
        {
            Assert.False(string.IsNullOrWhiteSpace(m.Title), m.Key);
            Assert.False(string.IsNullOrWhiteSpace(m.Knowledge), m.Key);
            Assert.NotEmpty(m.Terms);
            Assert.Matches("^[a-z0-9-]+$", m.Key);
            // The labels-only baseline is the one method without a paper.
            if (m.Key != "none")
            {
                Assert.True(m.Paper is { Year: > 1990 } p && p.Title.Length > 0 && p.Authors.Length > 0, $"{m.Key} has no paper");
            }
        });
    }

    [Fact]
    public void LookupsAcceptKeysAndAliasesInAnyCaseAndAnUnknownKeyListsTheValidOnes()
    {
        Assert.IsType<KdMethod>(DistillationMethods.Get("KD"));
        Assert.Equal("none", DistillationMethods.Get("no-kd").Key);
        Assert.Equal("mt-random", DistillationMethods.Get("multi-teacher-random").Key);
        var error = Assert.Throws<ArgumentException>(() => DistillationMethods.Get("crd"));
        Assert.Contains("'crd'", error.Message);
        Assert.All(DistillationMethods.All, m => Assert.Contains(m.Key, error.Message));
        Assert.Contains("at", Assert.Throws<ArgumentException>(() => DistillationMethods.GetLogit("at")).Message);
    }

    [Fact]
    public void OptionDefaultsAreListedFromTheRecords()
    {
        var kd = MethodOptionValues.Of(DistillationMethods.Get("kd").Options);
        Assert.Equal([("Alpha", "0.5"), ("Temperature", "4")], kd);
        Assert.Contains(("Layers", "conv1,conv2"), MethodOptionValues.Of(DistillationMethods.Get("at").Options));
        Assert.Contains(("Tree.Depth", "8"), MethodOptionValues.Of(DistillationMethods.Get("soft-tree").Options));
        Assert.Empty(MethodOptionValues.Of(DistillationMethods.Get("none").Options));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MutualLearningMethod(new MutualLearningOptions { CohortSize = 1 }));
    }

    [Fact]
    public void AResultsFileWrittenBeforeTheRegistryStillReads()
    {
        var result = new ZooResult(new ZooOptions { Methods = ["none", "at"] }, "test", 1, ["a"], [0.99], 0.99, 1, 300_426, true,
            [new ZooRow("none", 1, 3, 0.98, 0.98, 3, 1, null, 0, ""), new ZooRow("at", 1, 3, 0.99, 0.99, 6, 2, null, 0, "")]);
        string path = Path.Combine(TestData.TempDirectory(), "results.json");
        File.WriteAllText(path, JsonSerializer.Serialize(result).Replace("\"Methods\":[\"none\",\"at\"]", "\"Methods\":[\"NoKd\",\"AttentionTransfer\"]"));
        var read = ZooReport.Read(path);
        Assert.Equal(["none", "at"], read.Options.Methods);
        Assert.Equal(["none", "at"], read.Summary().Select(s => s.Method.Key));
    }

    [Fact]
    public void TheCliListsEveryMethodWithItsPaperAndDefaults()
    {
        var (code, output) = CliRunner.Run("methods");
        Assert.True(code == 0, output);
        Assert.All(DistillationMethods.All, m => Assert.Contains(m.Key, output));
        Assert.Contains("Hinton", output);
        Assert.Contains("Temperature = 4", output);
    }
}
