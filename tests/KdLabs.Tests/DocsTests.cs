using System.Text.RegularExpressions;
using KdLabs.Infrastructure;

namespace KdLabs.Tests;

/// <summary>The README stays a front door, and no document links to a file that is not there.</summary>
public class DocsTests
{
    private static string Root => KdLabsPaths.RepositoryRoot!;

    [Fact]
    public void ReadmeIsShortWithShortLines()
    {
        string[] lines = File.ReadAllLines(Path.Combine(Root, "README.md"));
        Assert.True(lines.Length <= 150, $"README.md has {lines.Length} lines; keep it at 150 or fewer and move detail into docs/.");
        var longLines = lines.Select((l, i) => (Line: i + 1, l.Length)).Where(x => x.Length > 160).ToList();
        Assert.True(longLines.Count == 0, $"README.md lines over 160 characters: {string.Join(", ", longLines.Select(x => $"{x.Line} ({x.Length})"))}.");
        int setup = Array.FindIndex(lines, l => l.Contains("./kdlabs setup", StringComparison.Ordinal));
        Assert.True(setup is >= 0 and < 40, $"README.md should show ./kdlabs setup within its first 40 lines (found at line {setup + 1}).");
    }

    public static TheoryData<string> Documents()
    {
        var data = new TheoryData<string>();
        foreach (string file in new[] { "README.md", "CONTRIBUTING.md", "THIRD-PARTY-NOTICES.md" }
                     .Concat(Directory.GetFiles(Path.Combine(KdLabsPaths.RepositoryRoot!, "docs"), "*.md").Select(f => Path.Combine("docs", Path.GetFileName(f))))
                     .Order(StringComparer.Ordinal))
        {
            data.Add(file);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Documents))]
    public void RelativeLinksResolve(string document)
    {
        string path = Path.Combine(Root, document);
        string text = File.ReadAllText(path);
        // Inline links [text](target) and reference definitions "[name]: target"; web addresses and pure anchors are not files.
        var targets = Regex.Matches(text, @"\]\(([^)\s]+)\)").Select(m => m.Groups[1].Value)
            .Concat(Regex.Matches(text, @"^\[[^\]]+\]:\s+(\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value))
            .Where(t => !t.Contains("://", StringComparison.Ordinal) && !t.StartsWith('#') && !t.StartsWith("mailto:", StringComparison.Ordinal));
        var missing = targets
            .Select(t => t.Split('#')[0])
            .Where(t => t.Length > 0 && !Path.Exists(Path.Combine(Path.GetDirectoryName(path)!, Uri.UnescapeDataString(t))))
            .Distinct().ToList();
        Assert.True(missing.Count == 0, $"{document} links to missing files: {string.Join(", ", missing)}.");
    }
}
