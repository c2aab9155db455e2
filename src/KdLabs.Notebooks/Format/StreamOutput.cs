namespace KdLabs.Notebooks.Format;

/// <summary>Text written to stdout or stderr while a cell ran.</summary>
public sealed class StreamOutput(string name, string text) : NotebookOutput
{
    /// <inheritdoc />
    public override string OutputType => "stream";

    /// <summary>"stdout" or "stderr".</summary>
    public string Name { get; } = name;

    /// <summary>The text; grows while the cell writes.</summary>
    public string Text { get; set; } = text;
}
