using System.Text.RegularExpressions;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// Handles Polyglot-style directives before Roslyn sees a cell: <c>#r "nuget: Name[, Version]"</c> (resolved against
/// the packages the kit ships), <c>#r "path.dll"</c>, <c>#i</c> package sources (ignored with a note) and the
/// <c>#!csharp</c>/<c>#!markdown</c> magics. Handled lines become empty lines so Roslyn's line numbers match the cell.
/// </summary>
internal static partial class CellPreprocessor
{
    [GeneratedRegex("""^\s*#r\s+"nuget:\s*(?<name>[^,"\s]+)\s*(?:,\s*(?<version>[^"]*?))?\s*"\s*$""")]
    private static partial Regex NugetReference();

    [GeneratedRegex("""^\s*#r\s+"(?<path>[^"]+)"\s*$""")]
    private static partial Regex PathReference();

    [GeneratedRegex("""^\s*#i\s+"(?<source>[^"]*)"\s*$""")]
    private static partial Regex PackageSource();

    // #r or #i as a whole word: #region, #if and #include-like words are C#, not directives.
    [GeneratedRegex("""^\s*#[ri](\s|$)""")]
    private static partial Regex UnreadableDirective();

    [GeneratedRegex("""^\s*#!(?<name>\S+)""")]
    private static partial Regex Magic();

    private static readonly HashSet<string> CSharpMagics = new(StringComparer.OrdinalIgnoreCase) { "csharp", "c#", "cs" };
    private static readonly HashSet<string> MarkdownMagics = new(StringComparer.OrdinalIgnoreCase) { "markdown", "md" };
    private static readonly HashSet<string> OtherKernels = new(StringComparer.OrdinalIgnoreCase)
    {
        "fsharp", "f#", "fs", "pwsh", "powershell", "javascript", "js", "html", "sql", "kql", "mermaid", "http", "value",
    };

    /// <summary>Prepares one cell; <paramref name="baseDirectory"/> resolves relative #r paths.</summary>
    /// <exception cref="DirectiveException">An unknown package, missing DLL, unsupported magic or malformed directive.</exception>
    public static PreparedCell Prepare(string source, string baseDirectory)
    {
        var lines = source.Split('\n');
        var cell = new PreparedCell { Code = "" };
        var seenCode = false;
        var output = new string[lines.Length];

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            var lineNumber = i + 1;
            output[i] = lines[i];

            if (Magic().Match(line) is { Success: true } magic)
            {
                var name = magic.Groups["name"].Value;
                if (CSharpMagics.Contains(name))
                {
                    output[i] = "";
                    continue;
                }

                if (MarkdownMagics.Contains(name))
                {
                    if (seenCode)
                    {
                        throw new DirectiveException(lineNumber,
                            "#!markdown in the middle of a C# cell; put the markdown in its own cell");
                    }

                    return new PreparedCell { Code = "", IsMarkdown = true };
                }

                if (OtherKernels.Contains(name))
                {
                    throw new DirectiveException(lineNumber,
                        $"'#!{name}' switches to another kernel; this runner runs C# only (#!csharp) and passes #!markdown through");
                }

                throw new DirectiveException(lineNumber,
                    $"unsupported magic command '#!{name}'; this runner supports #!csharp, #!markdown, #r and #i");
            }

            if (NugetReference().Match(line) is { Success: true } nuget)
            {
                var name = nuget.Groups["name"].Value;
                var version = nuget.Groups["version"].Success && nuget.Groups["version"].Value.Length > 0
                    ? nuget.Groups["version"].Value
                    : null;
                var package = ProvidedPackages.Find(name) ?? throw new DirectiveException(lineNumber,
                    $"package '{name}' is not available: notebooks run offline with the packages the kit ships: {ProvidedPackages.Describe()}");
                if (version is not null && package.Assemblies.Count > 0 && !SameVersion(version, package.Version))
                {
                    // The kernel restores from the kdlabs-local source, which holds only this version: it fails with NU1102.
                    throw new DirectiveException(lineNumber,
                        $"package '{package.Name}' version {version} is not available: the kit provides {package.Name} {package.Version}; write #r \"nuget: {package.Name}, {package.Version}\"");
                }

                cell.Packages.Add((package, version));
                cell.ReferencePaths.AddRange(ScriptReferences.PathsOf(package));
                output[i] = "";
                continue;
            }

            if (PackageSource().Match(line) is { Success: true } source2)
            {
                cell.Notes.Add($"#i \"{source2.Groups["source"].Value}\" ignored: notebooks use only the packages the kit ships.");
                output[i] = "";
                continue;
            }

            if (PathReference().Match(line) is { Success: true } pathRef)
            {
                var path = pathRef.Groups["path"].Value;
                if (path.StartsWith("nuget:", StringComparison.OrdinalIgnoreCase))
                {
                    throw new DirectiveException(lineNumber, $"cannot read '{line.Trim()}'; write #r \"nuget: Name\" or #r \"nuget: Name, Version\"");
                }

                var full = Path.GetFullPath(Path.Combine(baseDirectory, path));
                if (!File.Exists(full))
                {
                    throw new DirectiveException(lineNumber, $"#r: file not found: {path} (looked at {full})");
                }

                cell.ReferencePaths.Add(full);
                output[i] = "";
                continue;
            }

            if (UnreadableDirective().IsMatch(line))
            {
                throw new DirectiveException(lineNumber,
                    $"cannot read directive '{line.Trim()}'; use #r \"nuget: Name, Version\", #r \"path.dll\" or #i \"source\"");
            }

            if (line.Trim().Length > 0)
            {
                seenCode = true;
            }
        }

        var prepared = new PreparedCell { Code = string.Join("\n", output) };
        prepared.Packages.AddRange(cell.Packages);
        prepared.ReferencePaths.AddRange(cell.ReferencePaths);
        prepared.Notes.AddRange(cell.Notes);
        return prepared;
    }

    /// <summary>
    /// NuGet's reading of a version: "0.1" is 0.1.0, "0.1.0.0" too; "*" floats to the one there is. Anything else that
    /// differs (another number, a range, a prerelease) asks for a version the kit does not have.
    /// </summary>
    private static bool SameVersion(string requested, string provided)
    {
        if (requested.Trim() == "*" || string.Equals(requested.Trim(), provided, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return Version.TryParse(requested.Trim(), out var a) && Version.TryParse(provided, out var b) && Normalize(a) == Normalize(b);

        static Version Normalize(Version v) => new(v.Major, v.Minor, Math.Max(v.Build, 0), Math.Max(v.Revision, 0));
    }
}
