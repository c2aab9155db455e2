using System.Text.Json.Nodes;

namespace KdLabs.Notebooks.Format;

/// <summary>One cell of a notebook.</summary>
public sealed class NotebookCell
{
    /// <summary>Creates a cell.</summary>
    public NotebookCell(CellType cellType, string source)
    {
        CellType = cellType;
        Source = source;
    }

    /// <summary>Code, markdown or raw.</summary>
    public CellType CellType { get; set; }

    /// <summary>The cell's text, lines joined with their original line breaks.</summary>
    public string Source { get; set; }

    /// <summary>nbformat 4.5 cell id, if the file has one.</summary>
    public string? Id { get; set; }

    /// <summary>Cell metadata; unknown keys are kept on round trip.</summary>
    public JsonObject Metadata { get; set; } = [];

    /// <summary>Outputs (code cells only).</summary>
    public List<NotebookOutput> Outputs { get; } = [];

    /// <summary>Jupyter's execution_count; null when the cell has not run.</summary>
    public int? ExecutionCount { get; set; }

    /// <summary>Top-level cell keys this model does not know (e.g. "attachments"), kept verbatim.</summary>
    public JsonObject Extra { get; } = [];

    /// <summary>The Polyglot kernel name from the cell metadata, or null when the cell does not say.</summary>
    public string? KernelName =>
        (Metadata["polyglot_notebook"] as JsonObject)?["kernelName"]?.GetValue<string>()
        ?? (Metadata["dotnet_interactive"] as JsonObject)?["language"]?.GetValue<string>();

    /// <summary>The cell's tags (papermill and Jupyter keep them in metadata.tags).</summary>
    public IReadOnlyList<string> Tags =>
        Metadata["tags"] is JsonArray a
            ? a.Select(n => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : null).OfType<string>().ToList()
            : [];

    /// <summary>True when the cell carries <paramref name="tag"/>.</summary>
    public bool HasTag(string tag) => Tags.Contains(tag, StringComparer.Ordinal);

    /// <summary>A C# code cell with the metadata Polyglot Notebooks writes.</summary>
    public static NotebookCell CSharp(string source, string? id = null) => new(CellType.Code, source)
    {
        Id = id,
        Metadata = PolyglotMetadata.CSharpCellMetadata(),
    };

    /// <summary>A markdown cell.</summary>
    public static NotebookCell Markdown(string source, string? id = null) => new(CellType.Markdown, source) { Id = id };

    /// <summary>A fresh nbformat cell id (8 hex digits, as VS Code writes them).</summary>
    public static string NewId() => Guid.NewGuid().ToString("N")[..8];
}
