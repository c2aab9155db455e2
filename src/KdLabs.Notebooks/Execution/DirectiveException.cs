namespace KdLabs.Notebooks.Execution;

/// <summary>A #r, #i or #! line the runner cannot honour; <see cref="Line"/> is 1-based within the cell.</summary>
public sealed class DirectiveException(int line, string message) : Exception(message)
{
    /// <summary>1-based line in the cell.</summary>
    public int Line { get; } = line;
}
