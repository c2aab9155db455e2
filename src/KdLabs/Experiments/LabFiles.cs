namespace KdLabs.Experiments;

/// <summary>The paths of a lab run's results (<see cref="LabResults"/>).</summary>
/// <param name="Json">results.json: the figures.</param>
/// <param name="Markdown">results.md: the tables.</param>
/// <param name="Html">report.html: the report with charts.</param>
public sealed record LabFiles(string Json, string Markdown, string Html)
{
    /// <summary>The files a lab run writes into <paramref name="directory"/>.</summary>
    public static LabFiles In(string directory) =>
        new(Path.Combine(directory, LabResults.JsonFile), Path.Combine(directory, LabResults.MarkdownFile), Path.Combine(directory, LabResults.HtmlFile));

    /// <summary>"a, b and c": the three paths, for a "wrote …" line.</summary>
    public override string ToString() => $"{Json}, {Markdown} and {Html}";
}
