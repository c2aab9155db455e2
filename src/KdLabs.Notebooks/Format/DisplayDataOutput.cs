using System.Text.Json.Nodes;

namespace KdLabs.Notebooks.Format;

/// <summary>A value shown with <c>display(...)</c>: a MIME bundle plus metadata.</summary>
public class DisplayDataOutput(MimeBundle data) : NotebookOutput
{
    /// <inheritdoc />
    public override string OutputType => "display_data";

    /// <summary>MIME type to value.</summary>
    public MimeBundle Data { get; } = data;

    /// <summary>Output metadata (kept on round trip).</summary>
    public JsonObject Metadata { get; set; } = [];
}
