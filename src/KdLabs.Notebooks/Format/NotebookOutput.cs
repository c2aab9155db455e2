namespace KdLabs.Notebooks.Format;

/// <summary>One output of a code cell, as in nbformat 4 (<c>output_type</c>).</summary>
public abstract class NotebookOutput
{
    /// <summary>The nbformat <c>output_type</c>.</summary>
    public abstract string OutputType { get; }
}
