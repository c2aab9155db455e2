using KdLabs.Experiments;

namespace KdLabs.Tests;

/// <summary>The zoo's "beats plain KD here?" column: ties are not losses, and one seed makes no claim.</summary>
public class ZooVersusKdTests
{
    private static ZooRow Row(string method, int seed, double accuracy) => new(method, seed, 3, accuracy, accuracy, 3, 1, 500, 0, "");

    private static Dictionary<string, ZooMethodSummary> Summary(params ZooRow[] rows) =>
        new ZooResult(new ZooOptions { Methods = ["kd", "at", "dkd", "fsp"] }, "test", 1, ["a"], [0.99], 0.99, 1, 300_426, true, rows)
            .Summary().ToDictionary(s => s.Method.Key);

    [Fact]
    public void TiesAreCountedApartFromLosses()
    {
        var s = Summary(
            Row("kd", 1, 0.9812), Row("kd", 2, 0.9750),
            Row("at", 1, 0.9812), Row("at", 2, 0.9750),
            Row("dkd", 1, 0.9812), Row("dkd", 2, 0.9700),
            Row("fsp", 1, 0.9812), Row("fsp", 2, 0.9800));
        Assert.Equal((0, 2, 0), (s["at"].SeedsAboveKd, s["at"].SeedsTiedWithKd, s["at"].SeedsBelowKd));
        Assert.Equal("no difference: tied on every seed (2)", s["at"].VersusKd);
        Assert.Equal("no clear difference: above on 0 of 2 seeds, tied on 1", s["dkd"].VersusKd);
        Assert.Equal("no clear difference: above on 1 of 2 seeds, tied on 1", s["fsp"].VersusKd);
        Assert.Contains("| attention transfer | spatial attention maps | 97.81 ± 0.44 % (2 seeds) | +0.00 ± 0.00 | no difference: tied on every seed (2) |", ZooReport.Markdown(
            new ZooResult(new ZooOptions { Methods = ["kd", "at"] }, "test", 1, ["a"], [0.99], 0.99, 1, 300_426, true,
                [Row("kd", 1, 0.9812), Row("kd", 2, 0.9750), Row("at", 1, 0.9812), Row("at", 2, 0.9750)])));
    }

    [Fact]
    public void OneSeedMakesNoEverySeedClaim()
    {
        var s = Summary(Row("kd", 1, 0.980), Row("at", 1, 0.9834), Row("dkd", 1, 0.9750), Row("fsp", 1, 0.980));
        Assert.Equal("one seed: +0.34, no claim", s["at"].VersusKd);
        Assert.Equal("one seed: -0.50, no claim", s["dkd"].VersusKd);
        Assert.Equal("one seed: 0.00, no claim", s["fsp"].VersusKd);
    }
}
