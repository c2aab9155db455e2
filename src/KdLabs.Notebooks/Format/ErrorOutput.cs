namespace KdLabs.Notebooks.Format;

/// <summary>A compile error or exception, in Jupyter's error shape.</summary>
public sealed class ErrorOutput(string ename, string evalue, IReadOnlyList<string> traceback) : NotebookOutput
{
    /// <inheritdoc />
    public override string OutputType => "error";

    /// <summary>Error name, e.g. "CompilationError" or the exception type name.</summary>
    public string Ename { get; } = ename;

    /// <summary>Error message.</summary>
    public string Evalue { get; } = evalue;

    /// <summary>Traceback lines (one item per line, no trailing newlines, as Jupyter stores them).</summary>
    public IReadOnlyList<string> Traceback { get; } = traceback;
}
