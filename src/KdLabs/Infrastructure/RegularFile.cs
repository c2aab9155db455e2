using System.Runtime.InteropServices;

namespace KdLabs.Infrastructure;

/// <summary>
/// Checks that a path the kit is about to read names a regular file, before it is opened: a FIFO would block the open
/// forever, a device (<c>/dev/zero</c>) reads without end, a symbolic-link loop or a folder fails deep inside the
/// runtime. Each is refused as the user's data (<see cref="DataFormatException"/>), naming the path and the fix.
/// </summary>
public static class RegularFile
{
    /// <summary>Returns null when <paramref name="path"/> is a regular file (or missing: the caller reports that its own way), otherwise why not.</summary>
    public static string? Problem(string path)
    {
        FileSystemInfo info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            try
            {
                info = File.ResolveLinkTarget(path, returnFinalTarget: true) ?? info;
            }
            catch (IOException e)
            {
                return $"is a symbolic link that cannot be resolved (a loop of links?): {e.Message.TrimEnd('.')}";
            }
        }
        if (Directory.Exists(info.FullName))
        {
            return "is a folder, not a file";
        }
        if (!OperatingSystem.IsWindows() && Kind(info.FullName) is { } kind and not "regular file")
        {
            return $"is a {kind}, not a regular file";
        }
        return null;
    }

    /// <summary>Throws <see cref="DataFormatException"/> (field <paramref name="what"/>) unless <paramref name="path"/> is a regular file or missing.</summary>
    public static void Require(string path, string what, string fix)
    {
        if (Problem(path) is { } problem)
        {
            throw new DataFormatException(path, what, problem, fix);
        }
    }

    // The file type from the runtime's own stat (its FileStatus puts the mode, with the portable S_IF* bits, after one
    // int32 of flags); null when it cannot tell, e.g. a path that vanished between the checks.
    private static string? Kind(string path)
    {
        var status = new byte[512];
        if (Stat(path, status) != 0)
        {
            return null;
        }
        int mode = BitConverter.ToInt32(status, 4);
        return (mode & 0xF000) switch
        {
            0x8000 => "regular file",
            0x1000 => "FIFO (named pipe)",
            0x2000 => "character device",
            0x6000 => "block device",
            0xC000 => "socket",
            0x4000 => "folder",
            _ => null,
        };
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat")]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[] output);
}
