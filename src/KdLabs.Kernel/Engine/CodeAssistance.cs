using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KdLabs.Notebooks.Execution;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Completion;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Host.Mef;
using Microsoft.CodeAnalysis.Text;

namespace KdLabs.Kernel.Engine;

/// <summary>
/// is_complete (Roslyn's own "is this a complete submission") and complete (Roslyn's completion service on a script
/// document holding the session's earlier cells, so a variable of cell 2 completes in cell 5).
/// </summary>
internal sealed partial class CodeAssistance(KernelSession session)
{
    private static readonly CSharpParseOptions ScriptParse = new(ScriptSession.KernelLanguageVersion, kind: SourceCodeKind.Script);
    private readonly Lazy<AdhocWorkspace> _workspace = new(() => new AdhocWorkspace(MefHostServices.DefaultHost));

    // Directive lines are the runner's, not C#: blank them as the runner does before Roslyn sees the cell.
    [GeneratedRegex(@"^\s*#(r|i|!)\s.*$|^\s*#!\S*\s*$", RegexOptions.Multiline)]
    private static partial Regex DirectiveLine();

    public JsonObject IsComplete(string code)
    {
        var blanked = DirectiveLine().Replace(code, "");
        if (blanked.Trim().Length == 0)
        {
            return new JsonObject { ["status"] = "complete" };
        }

        var tree = CSharpSyntaxTree.ParseText(blanked, ScriptParse);
        // A syntax error before the end of the text is one no further line can fix (a stray brace, `var = ;`): invalid.
        // Errors at the very end are what is still missing (a closing brace, a semicolon): more lines may complete it.
        var end = blanked.TrimEnd().Length;
        if (tree.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceSpan.Start < end))
        {
            return new JsonObject { ["status"] = "invalid" };
        }

        return SyntaxFactory.IsCompleteSubmission(tree)
            ? new JsonObject { ["status"] = "complete" }
            : new JsonObject { ["status"] = "incomplete", ["indent"] = "    " };
    }

    public JsonObject Complete(string code, int? cursorPos)
    {
        var cursor = Math.Clamp(CodePointsToUtf16(code, cursorPos ?? code.Length), 0, code.Length);
        var matches = new JsonArray();
        int start = cursor, end = cursor;
        try
        {
            var (items, span) = CompleteAsync(code, cursor).GetAwaiter().GetResult();
            foreach (var item in items)
            {
                matches.Add(item);
            }

            start = span.Start;
            end = span.End;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Completion is a convenience: a failure in it must never take the kernel down; the frontend shows nothing.
        }

        return new JsonObject
        {
            ["status"] = "ok",
            ["matches"] = matches,
            ["cursor_start"] = Utf16ToCodePoints(code, start),
            ["cursor_end"] = Utf16ToCodePoints(code, end),
            ["metadata"] = new JsonObject(),
        };
    }

    private async Task<(List<string> Items, TextSpan Span)> CompleteAsync(string code, int cursor)
    {
        // The earlier cells, then this one: what the cell sees in its session (usings first, as the session starts).
        var prefix = string.Concat(ScriptSession.DefaultUsings.Select(u => $"using {u};\n"))
            + string.Concat(session.SucceededCells.Select(c => c + "\n;\n"));
        var text = prefix + DirectiveLine().Replace(code, m => new string(' ', m.Length));
        var workspace = _workspace.Value;
        var project = workspace.CurrentSolution
            .AddProject("cell", "cell", LanguageNames.CSharp)
            .WithParseOptions(ScriptParse)
            .WithCompilationOptions(new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary))
            .WithMetadataReferences(ScriptReferences.All.Concat(session.References.Select(r => (MetadataReference)MetadataReference.CreateFromFile(r))));
        var document = project.AddDocument("cell.csx", SourceText.From(text));
        document = document.WithSourceCodeKind(SourceCodeKind.Script);
        var service = CompletionService.GetService(document) ?? throw new InvalidOperationException("no C# completion service");
        var position = prefix.Length + cursor;
        var list = await service.GetCompletionsAsync(document, position).ConfigureAwait(false);
        var typed = text[list.Span.Start..position];
        var items = list.ItemsList
            .Where(i => i.FilterText.StartsWith(typed, StringComparison.OrdinalIgnoreCase))
            .Select(i => i.DisplayText) // the name to insert; a suffix like "<>" of a generic method is display only
            .Distinct()
            .Take(200)
            .ToList();
        return (items, new TextSpan(list.Span.Start - prefix.Length, list.Span.Length));
    }

    // The protocol counts the cursor in Unicode code points; .NET strings count UTF-16 units.
    private static int CodePointsToUtf16(string text, int codePoints)
    {
        var units = 0;
        for (var seen = 0; seen < codePoints && units < text.Length; seen++)
        {
            units += char.IsHighSurrogate(text[units]) && units + 1 < text.Length ? 2 : 1;
        }

        return units;
    }

    private static int Utf16ToCodePoints(string text, int units)
    {
        var points = 0;
        for (var i = 0; i < Math.Min(units, text.Length); i++)
        {
            if (!char.IsLowSurrogate(text[i]))
            {
                points++;
            }
        }

        return points;
    }

}
