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

    // A line that is not a row, straight after a table, is read by Markdown as one more row: how a pasted note once
    // split docs/commands.md's table in two.
    [Theory]
    [MemberData(nameof(Documents))]
    public void TablesEndAtABlankLine(string document)
    {
        string[] lines = File.ReadAllLines(Path.Combine(Root, document));
        var broken = Enumerable.Range(1, Math.Max(0, lines.Length - 1))
            .Where(i => lines[i - 1].StartsWith('|') && lines[i].Trim().Length > 0 && !lines[i].StartsWith('|'))
            .Select(i => i + 1).ToList();
        Assert.True(broken.Count == 0, $"{document}: a table runs into text at line(s) {string.Join(", ", broken)}; end the table with a blank line.");
    }
}
