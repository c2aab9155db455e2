using KdLabs.Infrastructure;

namespace KdLabs.Tests;

/// <summary>Where the kit's folders are when a command starts a process in another folder.</summary>
public class KdLabsPathsTests
{
    [Fact]
    public void ARelativeDataOrCacheFolderReachesAChildAsTheFullPathFromWhereTheCommandRan()
    {
        // `KDLABS_CACHE=runs/cache-first ./kdlabs course --time` at the checkout's root: the lesson's worker starts in
        // notebooks/, where runs/cache-first would name notebooks/runs/cache-first.
        var set = new Dictionary<string, string?> { ["KDLABS_DATA"] = "/srv/mnist", ["KDLABS_CACHE"] = "runs/cache-first" };
        var child = new Dictionary<string, string?> { ["KDLABS_CACHE"] = "runs/cache-first", ["OTHER"] = "x" };
        KdLabsPaths.PassFoldersAsFullPaths(child, name => set.GetValueOrDefault(name), "/work/kit");
        Assert.Equal(Path.GetFullPath("/work/kit/runs/cache-first"), child["KDLABS_CACHE"]);
        Assert.False(child.ContainsKey("KDLABS_DATA"), "a full path is passed on as it is, by inheritance");
        Assert.Equal("x", child["OTHER"]);

        var none = new Dictionary<string, string?>();
        KdLabsPaths.PassFoldersAsFullPaths(none, _ => null, "/work/kit");
        KdLabsPaths.PassFoldersAsFullPaths(none, _ => "", "/work/kit");
        Assert.Empty(none);
    }
}
