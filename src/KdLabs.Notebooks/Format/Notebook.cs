using System.Text.Json.Nodes;

namespace KdLabs.Notebooks.Format;

/// <summary>An nbformat 4 notebook: cells plus metadata. Unknown keys are kept so a round trip loses nothing.</summary>
public sealed class Notebook
{
    /// <summary>The cells in order.</summary>
    public List<NotebookCell> Cells { get; } = [];

    /// <summary>Notebook metadata (kernelspec, language_info, polyglot_notebook, ...).</summary>
    public JsonObject Metadata { get; set; } = [];

    /// <summary>nbformat major version; only 4 is supported.</summary>
    public int Nbformat { get; set; } = 4;

    /// <summary>nbformat minor version; 5 for new notebooks, as Polyglot writes.</summary>
    public int NbformatMinor { get; set; } = 5;

    /// <summary>Top-level keys this model does not know, kept verbatim.</summary>
    public JsonObject Extra { get; } = [];

    /// <summary>The kernel new cells default to (see <see cref="PolyglotMetadata.DefaultKernelName"/>).</summary>
    public string DefaultKernelName => PolyglotMetadata.DefaultKernelName(Metadata);

    /// <summary>The effective kernel of a cell: markdown, else its metadata, else a leading #! magic, else the default.</summary>
    public string KernelOf(NotebookCell cell)
    {
        if (cell.CellType == CellType.Markdown)
        {
            return "markdown";
        }

        if (cell.KernelName is { Length: > 0 } name)
        {
            return PolyglotMetadata.NormalizeKernelName(name);
        }

        return PolyglotMetadata.NormalizeKernelName(DefaultKernelName);
    }

    /// <summary>A new, empty C# notebook with Polyglot's metadata.</summary>
    public static Notebook CreateCSharp() => new() { Metadata = PolyglotMetadata.NotebookMetadata() };

    /// <summary>A deep copy (so a runner can fill outputs without touching the input).</summary>
    public Notebook Clone() => IpynbFormat.Parse(IpynbFormat.Serialize(this));
}
