namespace KdLabs.Methods;

/// <summary>The paper a distillation method comes from.</summary>
/// <param name="Authors">Authors as cited, e.g. "Hinton, Vinyals &amp; Dean".</param>
/// <param name="Year">Publication year.</param>
/// <param name="Title">The paper's title.</param>
public sealed record MethodPaper(string Authors, int Year, string Title)
{
    /// <summary>"Authors Year", the short form tables carry.</summary>
    public string Short => $"{Authors} {Year}";

    /// <inheritdoc />
    public override string ToString() => $"{Authors} {Year}, \"{Title}\"";
}
