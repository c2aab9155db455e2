namespace KdLabs.Infrastructure;

/// <summary>Casing of the kit's own words in headers and titles ("test" → "Test").</summary>
public static class TextCase
{
    /// <summary><paramref name="word"/> with its first letter upper-cased (invariant culture).</summary>
    public static string Capitalized(string word) => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..];
}
