using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Scripting;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// One notebook's Roslyn scripting state: each cell is a submission continuing the previous one
/// (RunAsync, then ContinueWith/RunFromAsync), so variables, types and usings carry across cells.
/// </summary>
internal sealed class ScriptSession(NotebookGlobals globals, string baseDirectory)
{
    /// <summary>
    /// Usings every notebook starts with: exactly the .NET Interactive C# kernel's (CSharpKernel's script options), so
    /// a cell that compiles here compiles there. Anything else (System.IO, TorchSharp, KdLabs) a lesson's setup cell
    /// imports itself. KernelUsingsTests checks this list against the real kernel.
    /// </summary>
    public static readonly IReadOnlyList<string> DefaultUsings =
    [
        "System",
        "System.Text",
        "System.Collections",
        "System.Collections.Generic",
        "System.Threading.Tasks",
        "System.Linq",
    ];

    /// <summary>The C# version the .NET Interactive C# kernel compiles cells with (its `#error version` says "latest (14.0)").</summary>
    public const LanguageVersion KernelLanguageVersion = LanguageVersion.CSharp14;

    private readonly List<MetadataReference> _references = [.. ScriptReferences.All];
    private ScriptState<object>? _state;

    private ScriptOptions Options(string filePath) => ScriptOptions.Default
        .WithReferences(_references)
        .WithImports(Array.Empty<string>())
        // The installed kernel (dotnet-interactive 1.0.712001, Roslyn 5.0) compiles with "latest", which is C# 14 there;
        // this runner's newer Roslyn would make "latest" a later version and accept what the kernel rejects.
        .WithLanguageVersion(KernelLanguageVersion)
        .WithOptimizationLevel(OptimizationLevel.Debug)
        // Debug information plus a file path per cell makes exception stack traces carry cell line numbers.
        .WithEmitDebugInformation(true)
        .WithFilePath(filePath)
        .WithFileEncoding(Encoding.UTF8)
        .WithSourceResolver(new SourceFileResolver([], baseDirectory))
        .WithMetadataResolver(ScriptMetadataResolver.Default.WithBaseDirectory(baseDirectory));

    /// <summary>Runs the hidden first submission that holds the default usings (usings carry over to later submissions).</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        var prelude = string.Join(" ", DefaultUsings.Select(u => $"using {u};"));
        var script = CSharpScript.Create<object>(prelude, Options(Path.Combine(baseDirectory, "kdlabs-prelude.csx")), typeof(NotebookGlobals));
        _state = await script.RunAsync(globals, ct).ConfigureAwait(false);
    }

    /// <summary>Adds a DLL reference for this and later cells.</summary>
    public void AddReference(string path)
    {
        if (!_references.OfType<PortableExecutableReference>().Any(r => string.Equals(r.FilePath, path, StringComparison.Ordinal)))
        {
            _references.Add(MetadataReference.CreateFromFile(path));
        }
    }

    /// <summary>Compiles and runs one cell. Never throws for user errors; they come back in the outcome.</summary>
    public async Task<CellOutcome> RunCellAsync(string code, string cellPath, CancellationToken ct)
    {
        var previous = _state ?? throw new InvalidOperationException("StartAsync first");
        var script = previous.Script.ContinueWith<object>(code, Options(cellPath));

        List<Diagnostic> errors;
        try
        {
            errors = script.Compile(ct).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new CellOutcome { Cancelled = true };
        }

        if (errors.Count > 0)
        {
            return new CellOutcome { CompileErrors = errors };
        }

        // Task.Run so a cell that never awaits still lets us return on cancellation; the AsyncLocal console
        // capture flows into it.
        var run = Task.Run(() => script.RunFromAsync(previous, _ => true, CancellationToken.None), CancellationToken.None);
        var cancelled = Task.Delay(Timeout.Infinite, ct);
        if (await Task.WhenAny(run, cancelled).ConfigureAwait(false) != run)
        {
            // The cell keeps running in the background until it returns or the process exits; observe its fault.
            _ = run.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            return new CellOutcome { Cancelled = true, StillRunning = !run.IsCompleted };
        }

        var state = await run.ConfigureAwait(false);
        if (state.Exception is { } exception)
        {
            if (exception is OperationCanceledException && ct.IsCancellationRequested)
            {
                return new CellOutcome { Cancelled = true };
            }

            return new CellOutcome { Exception = exception };
        }

        _state = state;
        return new CellOutcome { ReturnValue = state.ReturnValue, HasReturnValue = HasValue(script) };
    }

    /// <summary>True when the submission ends in an expression with a value (not void), null or not.</summary>
    private static bool HasValue(Script script)
    {
        // Roslyn's own answer (Compilation.HasSubmissionResult) is internal: a trailing expression is an expression
        // statement whose semicolon is missing; it has a value unless its type is void (a bare null has no type).
        var compilation = script.GetCompilation();
        var tree = compilation.SyntaxTrees.LastOrDefault();
        if (tree?.GetRoot() is not CompilationUnitSyntax root
            || root.Members.LastOrDefault() is not GlobalStatementSyntax { Statement: ExpressionStatementSyntax { SemicolonToken.IsMissing: true } statement })
        {
            return false;
        }

        var type = compilation.GetSemanticModel(tree).GetTypeInfo(statement.Expression).Type;
        return type is null || type.SpecialType != SpecialType.System_Void;
    }
}
