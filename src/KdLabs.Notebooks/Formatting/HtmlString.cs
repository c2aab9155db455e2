namespace KdLabs.Notebooks.Formatting;

/// <summary>A string that is already HTML; displayed as text/html rather than escaped.</summary>
public sealed record HtmlString(string Html)
{
    /// <inheritdoc />
    public override string ToString() => Html;
}
