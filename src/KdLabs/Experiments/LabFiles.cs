namespace KdLabs.Experiments;

/// <summary>The paths of a lab run's results (<see cref="LabResults"/>).</summary>
/// <param name="Json">results.json: the figures.</param>
/// <param name="Markdown">results.md: the tables.</param>
/// <param name="Html">report.html: the report with charts.</param>
public sealed record LabFiles(string Json, string Markdown, string Html);
