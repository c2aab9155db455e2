using Markdig;

namespace KdLabs.Notebooks.Rendering;

/// <summary>Markdown to HTML with Markdig (tables, emphasis extras, task lists; math is passed through for reading).</summary>
public static class MarkdownRenderer
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseAdvancedExtensions()
        .Build();

    /// <summary>Renders markdown to an HTML fragment.</summary>
    public static string ToHtml(string markdown) => Markdown.ToHtml(markdown, Pipeline);
}
