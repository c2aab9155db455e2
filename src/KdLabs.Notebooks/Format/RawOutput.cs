using System.Text.Json.Nodes;

namespace KdLabs.Notebooks.Format;

/// <summary>An output of a type this kit does not model; kept verbatim so a round trip loses nothing.</summary>
public sealed class RawOutput(JsonObject json) : NotebookOutput
{
    /// <inheritdoc />
    public override string OutputType => (string?)Json["output_type"] ?? "unknown";

    /// <summary>The output as read.</summary>
    public JsonObject Json { get; } = json;
}
