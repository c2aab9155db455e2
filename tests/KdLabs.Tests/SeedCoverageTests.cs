using System.Text.Json;
using System.Text.RegularExpressions;
using KdLabs.Infrastructure;

namespace KdLabs.Tests;

/// <summary>
/// docs/seeds.md reads the course against its source articles. Its rows must point at sections that exist: a concept
/// marked covered, partial or differs-and-says-so names a lesson and a heading of that lesson's markdown, so renaming a
/// section or dropping a passage fails here. Its summary counts equal its rows, and no row is contradicted.
/// </summary>
public class SeedCoverageTests
{
    private static string Root => KdLabsPaths.RepositoryRoot!;

    private static readonly string[] Statuses = ["covered", "partial", "missing", "differs-and-says-so", "contradicted"];

    private static readonly string[] NeedSection = ["covered", "partial", "differs-and-says-so"];

    internal sealed record ConceptRow(int Number, string Concept, string Status, string Where, string Before);

    /// <summary>Cells of one table line, split on pipes that are not escaped (a concept may write <c>\|A\|</c>).</summary>
    private static string[] Cells(string line) =>
        Regex.Split(line.Trim(), @"(?<!\\)\|").Skip(1).SkipLast(1).Select(c => c.Trim()).ToArray();

    internal static List<ConceptRow> ConceptRows(string document) =>
        document.Split('\n').Where(l => Regex.IsMatch(l, @"^\|\s*\d+\s*\|")).Select(Cells)
            .Select(c => new ConceptRow(int.Parse(c[0], System.Globalization.CultureInfo.InvariantCulture), c[1], c[2], c[3], c.Length > 5 ? c[5] : ""))
            .ToList();

    internal static Dictionary<string, int> SummaryCounts(string document)
    {
        int summary = document.IndexOf("\n## Summary", StringComparison.Ordinal);
        Assert.True(summary >= 0, "docs/seeds.md has no \"## Summary\" section.");
        var counts = new Dictionary<string, int>();
        foreach (string line in document[summary..].Split('\n'))
        {
            var m = Regex.Match(line, @"^\|\s*([a-z-]+)\s*\|\s*(\d+)\s*\|\s*$");
            if (m.Success)
            {
                Assert.False(counts.ContainsKey(m.Groups[1].Value), $"docs/seeds.md's summary counts {m.Groups[1].Value} twice.");
                counts[m.Groups[1].Value] = int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return counts;
    }

    /// <summary>Every problem with the document's rows and counts; <paramref name="lessonMarkdown"/> gives a lesson's markdown by its two digits, or null.</summary>
    internal static List<string> Problems(string document, Func<string, string?> lessonMarkdown)
    {
        var problems = new List<string>();
        var rows = ConceptRows(document);
        if (rows.Count == 0)
        {
            problems.Add("no concept rows (lines \"| 1 | concept | status | NN · ## heading | why | before |\").");
        }
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            if (row.Number != i + 1)
            {
                problems.Add($"row {row.Number} is the {i + 1}th row: number the concepts 1, 2, 3, … in order.");
            }
            if (!Statuses.Contains(row.Status))
            {
                problems.Add($"row {row.Number}: status \"{row.Status}\" is not one of {string.Join(", ", Statuses)}.");
            }
            if (row.Before.Length > 0 && !Statuses.Contains(row.Before))
            {
                problems.Add($"row {row.Number}: its earlier status \"{row.Before}\" is not one of {string.Join(", ", Statuses)}.");
            }
            if (row.Status == "contradicted")
            {
                problems.Add($"row {row.Number} is contradicted: \"{row.Concept}\". Say in the lesson what the article claims and why the course differs.");
            }
            if (!NeedSection.Contains(row.Status))
            {
                continue;
            }
            var where = Regex.Match(row.Where, @"^(\d\d) · (#+ .+)$");
            if (!where.Success)
            {
                problems.Add($"row {row.Number} ({row.Status}): \"{row.Where}\" should read \"NN · ## the section's heading\".");
                continue;
            }
            string? markdown = lessonMarkdown(where.Groups[1].Value);
            if (markdown is null)
            {
                problems.Add($"row {row.Number}: there is no lesson {where.Groups[1].Value}.");
                continue;
            }
            string heading = where.Groups[2].Value.Trim();
            if (!markdown.Split('\n').Any(l => l.TrimEnd() == heading))
            {
                problems.Add($"row {row.Number}: lesson {where.Groups[1].Value} has no heading \"{heading}\".");
            }
        }
        var counts = SummaryCounts(document);
        foreach (string status in Statuses)
        {
            int inRows = rows.Count(r => r.Status == status);
            if (!counts.TryGetValue(status, out int stated))
            {
                problems.Add($"the summary does not count {status} (the rows have {inRows}).");
            }
            else if (stated != inRows)
            {
                problems.Add($"the summary says {stated} {status}, the rows have {inRows}.");
            }
        }
        problems.AddRange(counts.Keys.Where(k => !Statuses.Contains(k)).Select(k => $"the summary counts an unknown status \"{k}\"."));
        return problems;
    }

    private static string? LessonMarkdown(string number)
    {
        string? file = Directory.GetFiles(Path.Combine(Root, "notebooks"), $"{number}-*.ipynb").SingleOrDefault();
        if (file is null)
        {
            return null;
        }
        using var doc = JsonDocument.Parse(File.ReadAllText(file));
        return string.Join("\n", doc.RootElement.GetProperty("cells").EnumerateArray()
            .Where(c => c.GetProperty("cell_type").GetString() == "markdown")
            .Select(c => c.GetProperty("source") is { ValueKind: JsonValueKind.Array } s
                ? string.Concat(s.EnumerateArray().Select(x => x.GetString()))
                : c.GetProperty("source").GetString()));
    }

    [Fact]
    public void EverySeedConceptPointsAtASectionThatExistsAndTheCountsAddUp()
    {
        string document = File.ReadAllText(Path.Combine(Root, "docs", "seeds.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var problems = Problems(document, LessonMarkdown);
        Assert.True(problems.Count == 0, "docs/seeds.md:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void TheCourseMeetsTheBarOfFortyConceptsCoveredOrDifferingWithAReason()
    {
        string document = File.ReadAllText(Path.Combine(Root, "docs", "seeds.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        var rows = ConceptRows(document);
        int covered = rows.Count(r => r.Status is "covered" or "differs-and-says-so");
        Assert.True(covered >= 40, $"docs/seeds.md: {covered} of {rows.Count} concepts covered or differing with a reason; the bar is 40.");
    }

    [Fact]
    public void TheCheckNamesAMissingHeadingAWrongCountAndAContradiction()
    {
        const string document = """
            | # | Concept | Status | Where | Why | Before |
            |---|---|---|---|---|---|
            | 1 | soft targets | covered | 01 · ## Softening | shown | partial |
            | 2 | the \|A\| map | partial | 01 · ## No such section | named | missing |
            | 3 | a claim | contradicted | 09 · ## Anything | said otherwise | contradicted |

            ## Summary

            | Status | Count |
            |---|---|
            | covered | 2 |
            | partial | 1 |
            | missing | 0 |
            | differs-and-says-so | 0 |
            | contradicted | 1 |
            """;
        var problems = Problems(document, n => n == "01" ? "# Lesson 01: t\n## Softening\ntext" : null);
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains("row 2: lesson 01 has no heading \"## No such section\"", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("row 3 is contradicted", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("the summary says 2 covered, the rows have 1", StringComparison.Ordinal));
        Assert.Equal("the |A| map".Replace("|", "\\|", StringComparison.Ordinal), ConceptRows(document)[1].Concept);
    }
}
