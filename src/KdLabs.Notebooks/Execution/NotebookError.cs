namespace KdLabs.Notebooks.Execution;

/// <summary>Where and why a notebook failed.</summary>
/// <param name="NotebookPath">The notebook path as given in the request.</param>
/// <param name="CellNumber">1-based position of the failing cell among ALL cells of the input notebook (markdown included), as you count them in the editor; 0 when no cell is to blame (the notebook could not be read, its worker process did not start).</param>
/// <param name="CodeCellNumber">1-based position among the code cells of the input notebook.</param>
/// <param name="Line">1-based line inside the cell, when known.</param>
/// <param name="Ename">Jupyter error name: "CompilationError", "DirectiveError" or the exception's type name.</param>
/// <param name="Evalue">Jupyter error value (the message).</param>
public sealed record NotebookError(string NotebookPath, int CellNumber, int CodeCellNumber, int? Line, string Ename, string Evalue)
{
    /// <summary>One line for a terminal, e.g. <c>notebooks/01-x.ipynb: cell 4, line 2: error CS0103: ...</c>.</summary>
    public string Message =>
        $"{NotebookPath}: {(CellNumber > 0 ? $"cell {CellNumber}{(Line is { } l ? $", line {l}" : "")}: " : "")}{(Ename is "CompilationError" or "DirectiveError" ? Evalue : $"{Ename}: {Evalue}")}";

    /// <inheritdoc />
    public override string ToString() => Message;
}
