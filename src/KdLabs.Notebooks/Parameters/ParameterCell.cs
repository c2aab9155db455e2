using KdLabs.Notebooks.Format;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KdLabs.Notebooks.Parameters;

/// <summary>Finds the papermill-style "parameters" cell and reads its declarations with Roslyn's parser.</summary>
public static class ParameterCell
{
    /// <summary>The tag of the cell that holds defaults.</summary>
    public const string Tag = "parameters";

    /// <summary>The tag of the cell the runner injects after it.</summary>
    public const string InjectedTag = "injected-parameters";

    /// <summary>Index (0-based, among all cells) of the first code cell tagged "parameters", or -1.</summary>
    public static int IndexOf(Notebook notebook) =>
        notebook.Cells.FindIndex(c => c.CellType == CellType.Code && c.HasTag(Tag));

    /// <summary>The parameters a notebook declares (empty when it has no parameters cell).</summary>
    public static IReadOnlyList<NotebookParameter> Read(Notebook notebook)
    {
        var index = IndexOf(notebook);
        return index < 0 ? [] : Parse(notebook.Cells[index].Source);
    }

    /// <summary>Parses top-level variable declarations, e.g. <c>var alpha = 0.5;</c> or <c>int epochs = 5;</c>.</summary>
    public static IReadOnlyList<NotebookParameter> Parse(string source)
    {
        var tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(kind: SourceCodeKind.Script));
        var result = new List<NotebookParameter>();
        foreach (var member in tree.GetCompilationUnitRoot().Members)
        {
            // Script top-level declarations parse as fields; keep locals too in case the parser says so.
            var declaration = member switch
            {
                FieldDeclarationSyntax f => f.Declaration,
                GlobalStatementSyntax { Statement: LocalDeclarationStatementSyntax l } => l.Declaration,
                _ => null,
            };
            if (declaration is null)
            {
                continue;
            }

            foreach (var variable in declaration.Variables)
            {
                var initializer = variable.Initializer?.Value;
                var (type, typeName) = declaration.Type.IsVar
                    ? FromLiteral(initializer)
                    : FromTypeSyntax(declaration.Type);
                result.Add(new NotebookParameter(variable.Identifier.ValueText, type, typeName, initializer?.ToString()));
            }
        }

        return result;
    }

    private static (ParameterType, string) FromTypeSyntax(TypeSyntax type)
    {
        var name = type.ToString().Replace(" ", "", StringComparison.Ordinal);
        var parameterType = name switch
        {
            "bool" or "Boolean" or "System.Boolean" => ParameterType.Bool,
            "int" or "Int32" or "System.Int32" => ParameterType.Int,
            "long" or "Int64" or "System.Int64" => ParameterType.Long,
            "float" or "Single" or "System.Single" => ParameterType.Float,
            "double" or "Double" or "System.Double" => ParameterType.Double,
            "decimal" or "Decimal" or "System.Decimal" => ParameterType.Decimal,
            "string" or "String" or "System.String" or "string?" => ParameterType.String,
            _ => ParameterType.Unsupported,
        };
        return (parameterType, name);
    }

    private static (ParameterType, string) FromLiteral(ExpressionSyntax? expression)
    {
        // A sign in front of a number does not change its type.
        while (expression is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.UnaryMinusExpression or (int)SyntaxKind.UnaryPlusExpression } unary)
        {
            expression = unary.Operand;
        }

        while (expression is ParenthesizedExpressionSyntax p)
        {
            expression = p.Expression;
        }

        if (expression is not LiteralExpressionSyntax literal)
        {
            return (ParameterType.Unsupported, "var");
        }

        return literal.Token.Value switch
        {
            bool => (ParameterType.Bool, "bool"),
            int => (ParameterType.Int, "int"),
            long => (ParameterType.Long, "long"),
            float => (ParameterType.Float, "float"),
            double => (ParameterType.Double, "double"),
            decimal => (ParameterType.Decimal, "decimal"),
            string => (ParameterType.String, "string"),
            _ => (ParameterType.Unsupported, "var"),
        };
    }
}
