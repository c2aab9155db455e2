using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KdLabs.Notebooks.Tests;

/// <summary>Compiles a tiny class library for the #r "path.dll" test.</summary>
internal static class TestAssemblies
{
    public static void Compile(string path, string source)
    {
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var references = new[] { "System.Private.CoreLib.dll", "System.Runtime.dll" }
            .Select(f => MetadataReference.CreateFromFile(Path.Combine(runtime, f)));
        var compilation = CSharpCompilation.Create(
            Path.GetFileNameWithoutExtension(path),
            [CSharpSyntaxTree.ParseText(source)],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        var emit = compilation.Emit(path);
        Assert.True(emit.Success, string.Join("\n", emit.Diagnostics));
    }
}
