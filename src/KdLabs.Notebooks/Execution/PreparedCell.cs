namespace KdLabs.Notebooks.Execution;

/// <summary>A code cell after its directives were handled: code for Roslyn plus what the directives asked for.</summary>
internal sealed class PreparedCell
{
    /// <summary>The code with directive and magic lines blanked (so line numbers stay right).</summary>
    public required string Code { get; init; }

    /// <summary>True when the cell starts with #!markdown: it is passed through, not run.</summary>
    public bool IsMarkdown { get; init; }

    /// <summary>Packages requested with #r "nuget: ...", resolved to what the kit ships.</summary>
    public List<(ProvidedPackage Package, string? RequestedVersion)> Packages { get; } = [];

    /// <summary>Full paths of DLLs referenced with #r "path".</summary>
    public List<string> ReferencePaths { get; } = [];

    /// <summary>Notes for the cell output (e.g. an ignored #i package source).</summary>
    public List<string> Notes { get; } = [];
}
