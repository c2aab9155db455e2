using KdLabs.Infrastructure;

namespace KdLabs.Tests;

public class NativeAllocatorTests
{
    [Fact]
    public void OnGlibcTheSettingsAreInForceOnceTheKitIsLoaded()
    {
        var s = NativeAllocator.Current;
        bool glibcHost = OperatingSystem.IsLinux() && File.Exists("/proc/self/maps")
            && File.ReadLines("/proc/self/maps").Any(l => l.Contains("libc.so.6", StringComparison.Ordinal));
        bool userChoice = Environment.GetEnvironmentVariable("KDLABS_ALLOCATOR") == "off"
            || Environment.GetEnvironmentVariables().Keys.Cast<string>().Any(k => k.StartsWith("MALLOC_", StringComparison.Ordinal) && k.EndsWith('_'));
        if (glibcHost && !userChoice)
        {
            Assert.True(s.Applied, s.Reason);
            Assert.StartsWith("glibc ", s.Reason, StringComparison.Ordinal);
            Assert.Equal(0, s.MmapMax);
            Assert.Equal(1L << 30, s.TrimThreshold);
        }
        else
        {
            Assert.False(s.Applied);
        }
    }

    [Fact]
    public void ConfiguringAgainReturnsTheFirstOutcome()
    {
        Assert.Same(NativeAllocator.Configure(), NativeAllocator.Configure());
    }
}
