namespace KdLabs.Notebooks.Formatting;

/// <summary>Per-notebook formatting state and limits.</summary>
public sealed class FormatContext
{
    /// <summary>Rows shown for tables (DataFrame head, enumerables).</summary>
    public int MaxRows { get; init; } = 20;

    /// <summary>Tensor elements shown in a preview.</summary>
    public int MaxTensorElements { get; init; } = 10;

    /// <summary>
    /// Script libraries (e.g. plotly.js) already inlined in this notebook's outputs; lets a chart formatter inline a
    /// library only once per notebook.
    /// </summary>
    public ISet<string> EmittedLibraries { get; } = new HashSet<string>(StringComparer.Ordinal);
}
