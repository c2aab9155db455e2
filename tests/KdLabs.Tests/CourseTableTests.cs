using System.Text.Json;
using System.Text.RegularExpressions;
using KdLabs.Infrastructure;

namespace KdLabs.Tests;

/// <summary>
/// The README's course table is a copy of what each lesson says about itself: one row per notebook, the lesson's own
/// title, and every figure of the row (its result, smoke time and full-run time) found in that lesson's text, so a
/// figure changed in a lesson and not in the README (or the reverse) fails here.
/// </summary>
public class CourseTableTests
{
    private static string Root => KdLabsPaths.RepositoryRoot!;

    private sealed record Row(string Number, string Title, string Link, string Result, string Smoke, string Full);

    private static List<Row> ReadmeRows()
    {
        string[] lines = File.ReadAllLines(Path.Combine(Root, "README.md"));
        var links = lines.Select(l => Regex.Match(l, @"^\[(l\d\d)\]:\s+(\S+)")).Where(m => m.Success)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var rows = new List<Row>();
        foreach (string line in lines)
        {
            var m = Regex.Match(line, @"^\|\s*(\d\d)\s*\|\s*\[([^\]]+)\]\[(l\d\d)\]\s*\|(.*)\|(.*)\|(.*)\|\s*$");
            if (m.Success)
            {
                string key = m.Groups[3].Value;
                Assert.True(links.ContainsKey(key), $"README.md: the course table's row {m.Groups[1].Value} links [{key}], which has no definition.");
                rows.Add(new Row(m.Groups[1].Value, m.Groups[2].Value.Trim(), links[key], m.Groups[4].Value, m.Groups[5].Value, m.Groups[6].Value));
            }
        }
        return rows;
    }

    private static string[] Lessons() =>
        Directory.GetFiles(Path.Combine(Root, "notebooks"), "*.ipynb").Select(Path.GetFileName).OfType<string>()
            .Where(f => Regex.IsMatch(f, @"^\d\d-")).Order(StringComparer.Ordinal).ToArray();

    private static string Markdown(string lesson)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Root, "notebooks", lesson)));
        return string.Join("\n", doc.RootElement.GetProperty("cells").EnumerateArray()
            .Where(c => c.GetProperty("cell_type").GetString() == "markdown")
            .Select(c => c.GetProperty("source") is { ValueKind: JsonValueKind.Array } s
                ? string.Concat(s.EnumerateArray().Select(x => x.GetString()))
                : c.GetProperty("source").GetString()));
    }

    /// <summary>Figures as written (digits with their decimal point), thousands separators dropped so "60,000" matches "60000".</summary>
    internal static IEnumerable<string> Figures(string text) =>
        Regex.Matches(text.Replace(",", "", StringComparison.Ordinal), @"\d+(?:\.\d+)?").Select(m => m.Value).Distinct();

    [Fact]
    public void EveryLessonHasOneRowAndEveryRowALesson()
    {
        var rows = ReadmeRows();
        var lessons = Lessons();
        Assert.Equal(lessons.Select(l => l[..2]), rows.Select(r => r.Number));
        foreach (var (row, lesson) in rows.Zip(lessons))
        {
            Assert.Equal($"notebooks/{lesson}", row.Link);
        }
    }

    [Fact]
    public void EachRowCarriesItsLessonsTitleAndFigures()
    {
        var problems = new List<string>();
        foreach (var row in ReadmeRows())
        {
            string lesson = Path.GetFileName(row.Link);
            string text = Markdown(lesson);
            var heading = Regex.Match(text, @"^# Lesson (\d\d): (.+)$", RegexOptions.Multiline);
            if (!heading.Success)
            {
                problems.Add($"{lesson}: the first heading should read \"# Lesson {row.Number}: <title>\".");
                continue;
            }
            if (heading.Groups[1].Value != row.Number)
            {
                problems.Add($"{lesson}: its heading says lesson {heading.Groups[1].Value}, the README row {row.Number}.");
            }
            if (!string.Equals(heading.Groups[2].Value.Trim(), row.Title, StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{lesson}: title \"{heading.Groups[2].Value.Trim()}\" in the lesson, \"{row.Title}\" in the README.");
            }
            string flat = text.Replace(",", "", StringComparison.Ordinal);
            foreach (var (column, cell) in new[] { ("result", row.Result), ("smoke time", row.Smoke), ("full run", row.Full) })
            {
                foreach (string figure in Figures(cell).Where(f => !Regex.IsMatch(flat, $@"(?<![\d.]){Regex.Escape(f)}(?![\d]|\.\d)")))
                {
                    problems.Add($"{lesson}: the README's {column} says {figure}, the lesson never does (\"{cell.Trim()}\").");
                }
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void FiguresAreReadAsWritten()
    {
        Assert.Equal(["1.20", "0.39", "5"], Figures("+1.20 ± 0.39 points, 5 seeds"));
        Assert.Equal(["60000", "8", "29"], Figures("60,000 images; 8 min 29 s ¹"));
    }
}
