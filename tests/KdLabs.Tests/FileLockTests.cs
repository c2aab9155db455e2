using System.Runtime.InteropServices;
using KdLabs.Infrastructure;
using Xunit;

namespace KdLabs.Tests;

/// <summary>
/// The cross-process lock under the run store and the CLI's output folder: one holder at a time even when a waiter
/// had opened the lock file before the holder released it, and a path that cannot be opened is an error at once,
/// not a wait reported as "locked".
/// </summary>
public sealed class FileLockTests
{
    private const int ReadWrite = 2, LockExclusive = 2, LockNonBlocking = 4;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static extern int Flock(int fd, int operation);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    [Fact]
    public void ASecondAcquireIsRefusedWhileTheFirstHoldsTheLock()
    {
        string path = Path.Combine(TestData.TempDirectory(), "run.lock");
        using (FileLock.Acquire(path, TimeSpan.Zero))
        {
            var e = Assert.Throws<IOException>(() => FileLock.Acquire(path, TimeSpan.Zero));
            Assert.Contains("still locked", e.Message, StringComparison.Ordinal);
            Assert.True(FileLock.IsLockViolation(e));
        }
        using var again = FileLock.Acquire(path, TimeSpan.Zero);
    }

    [Fact]
    public void AWaiterThatOpenedTheFileBeforeTheReleaseAndANewcomerNeverBothHoldTheLock()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Windows cannot delete an open file, so the race needs Unix (flock) semantics
        }
        string path = Path.Combine(TestData.TempDirectory(), "run.lock");
        var holder = FileLock.Acquire(path, TimeSpan.Zero);
        // The waiter's retry: it opens the path (the holder's file) and is about to try the lock...
        int fd = Open(path, ReadWrite);
        Assert.True(fd >= 0, $"open failed: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            // ...when the holder releases it. Deleting the file on release would orphan the waiter's file here.
            holder.Dispose();
            Assert.Equal(0, Flock(fd, LockExclusive | LockNonBlocking));
            // The waiter now holds the lock, so a newcomer at the same path must be refused.
            var e = Assert.Throws<IOException>(() => FileLock.Acquire(path, TimeSpan.Zero));
            Assert.Contains("still locked", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Close(fd);
        }
    }

    [Fact]
    public void APathThatCannotBeOpenedFailsAtOnceWithTheCauseNotAsLocked()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // symbolic links need extra rights there
        }
        string dir = TestData.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "somefile"), "x");
        // The lock path leads under a regular file (ENOTDIR): no other process is involved, so waiting cannot help.
        // (Tests run as root, where permission bits block nothing.) The folder itself exists, so only the open fails.
        string path = Path.Combine(dir, "run.lock");
        File.CreateSymbolicLink(path, Path.Combine(dir, "somefile", "lockdir"));
        // With a zero timeout the old code reported every I/O error as "still locked by another kdlabs process".
        var e = Assert.Throws<IOException>(() => FileLock.Acquire(path, TimeSpan.Zero));
        Assert.DoesNotContain("locked", e.Message, StringComparison.Ordinal);
        Assert.Contains("cannot open the lock file", e.Message, StringComparison.Ordinal);
        Assert.StartsWith(path, e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<IOException>(e.InnerException);
        Assert.False(FileLock.IsLockViolation(e));
    }

    [Fact]
    public void TheLockFileStaysAfterTheReleaseAndIsReused()
    {
        string path = Path.Combine(TestData.TempDirectory(), "run.lock");
        FileLock.Acquire(path, TimeSpan.Zero).Dispose();
        Assert.True(File.Exists(path));
        using var again = FileLock.Acquire(path, TimeSpan.Zero);
    }
}
