using System.Text.Json;
using KdLabs.Infrastructure;
using KdLabs.Plots;

namespace KdLabs.Experiments;

/// <summary>
/// The one writer of a lab's results, so every lab's folder holds the same three files in the same formats:
/// <see cref="JsonFile"/> (the figures, written atomically), <see cref="MarkdownFile"/> (the tables, through
/// <see cref="MarkdownTable"/>) and <see cref="HtmlFile"/> (the self-contained report with its charts).
/// </summary>
internal static class LabResults
{
    /// <summary>The figures: every number the run measured, for scripts and for comparing runs.</summary>
    public const string JsonFile = "results.json";

    /// <summary>The tables as GitHub Markdown, for docs that quote a run.</summary>
    public const string MarkdownFile = "results.md";

    /// <summary>The report with charts, one self-contained page.</summary>
    public const string HtmlFile = "report.html";

    /// <summary>
    /// How every results.json is written: indented, and NaN or an infinity (a metric a run could not measure) as a
    /// named literal instead of a failure at the end of a long run. Read results back with the same options.
    /// </summary>
    public static JsonSerializerOptions JsonOptions => Training.Checkpoint.JsonOptions;

    /// <summary>
    /// Writes <paramref name="json"/> as <see cref="JsonFile"/> (skipped when null: a report rendered again from its
    /// results.json), <paramref name="markdown"/> as <see cref="MarkdownFile"/> and <paramref name="html"/> as
    /// <see cref="HtmlFile"/> into <paramref name="directory"/>, each atomically.
    /// </summary>
    public static LabFiles Write(string directory, object? json, string markdown, HtmlReport html)
    {
        ArgumentNullException.ThrowIfNull(markdown);
        ArgumentNullException.ThrowIfNull(html);
        Directory.CreateDirectory(directory);
        var files = LabFiles.In(directory);
        if (json is not null)
        {
            AtomicFile.WriteAllText(files.Json, JsonSerializer.Serialize(json, json.GetType(), JsonOptions));
        }
        AtomicFile.WriteAllText(files.Markdown, markdown);
        html.Save(files.Html);
        return files;
    }
}
