namespace KdLabs.Notebooks.Format;

/// <summary>The nbformat cell types.</summary>
public enum CellType
{
    /// <summary>A code cell (C# for this kit).</summary>
    Code,

    /// <summary>A markdown cell.</summary>
    Markdown,

    /// <summary>A raw cell, passed through untouched.</summary>
    Raw,
}
