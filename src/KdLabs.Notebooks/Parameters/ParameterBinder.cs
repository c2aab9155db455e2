using System.Globalization;
using System.Numerics;
using KdLabs.Notebooks.Format;
using Microsoft.CodeAnalysis.CSharp;

namespace KdLabs.Notebooks.Parameters;

/// <summary>
/// Checks <c>-p name=value</c> pairs against a notebook's parameters cell and injects a cell tagged
/// "injected-parameters" with typed C# declarations right after it, as papermill does.
/// </summary>
public static class ParameterBinder
{
    /// <summary>Validates all values; returns C# declarations in the order given. Throws before anything runs.</summary>
    /// <exception cref="ParameterException">Unknown name, unsupported type or a value that does not parse.</exception>
    public static IReadOnlyList<string> Bind(
        IReadOnlyList<NotebookParameter> declared,
        IReadOnlyDictionary<string, string> values,
        string notebookName)
    {
        var declarations = new List<string>();
        foreach (var (name, value) in values)
        {
            var parameter = declared.FirstOrDefault(p => p.Name == name);
            if (parameter is null)
            {
                var valid = declared.Count == 0
                    ? "it declares none (tag a cell 'parameters' to declare some)"
                    : "valid names: " + string.Join(", ", declared.Select(p => p.Name));
                throw new ParameterException($"{notebookName}: unknown parameter '{name}'; {valid}");
            }

            declarations.Add($"{parameter.TypeName} {parameter.Name} = {ToLiteral(parameter, value, notebookName)};");
        }

        return declarations;
    }

    /// <summary>
    /// Validates <paramref name="values"/> against the notebook's parameters cell, removes an injected cell left from
    /// an earlier run, and inserts the new one after the parameters cell. Returns the injected cell, or null when
    /// there are no values.
    /// </summary>
    /// <exception cref="ParameterException">See <see cref="Bind"/>; also when values are given but no cell is tagged "parameters".</exception>
    public static NotebookCell? Inject(Notebook notebook, IReadOnlyDictionary<string, string> values, string notebookName)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var index = ParameterCell.IndexOf(notebook);
        if (index < 0)
        {
            throw new ParameterException(
                $"{notebookName}: parameters given ({string.Join(", ", values.Keys)}) but no cell is tagged '{ParameterCell.Tag}'");
        }

        var declarations = Bind(ParameterCell.Parse(notebook.Cells[index].Source), values, notebookName);

        notebook.Cells.RemoveAll(c => c.HasTag(ParameterCell.InjectedTag));
        index = ParameterCell.IndexOf(notebook);

        var cell = NotebookCell.CSharp("// Injected parameters\n" + string.Join("\n", declarations), NotebookCell.NewId());
        cell.Metadata["tags"] = new System.Text.Json.Nodes.JsonArray(ParameterCell.InjectedTag);
        notebook.Cells.Insert(index + 1, cell);
        return cell;
    }

    /// <summary>Parses <paramref name="value"/> as the parameter's type and writes it as a C# literal.</summary>
    /// <exception cref="ParameterException">The value does not parse, or the type cannot be set from outside.</exception>
    public static string ToLiteral(NotebookParameter parameter, string value, string notebookName)
    {
        var invariant = CultureInfo.InvariantCulture;
        string? literal = parameter.Type switch
        {
            ParameterType.Bool => bool.TryParse(value.Trim(), out var b) ? (b ? "true" : "false") : null,
            ParameterType.Int => int.TryParse(value, NumberStyles.Integer, invariant, out var i) ? i.ToString(invariant) : null,
            ParameterType.Long => long.TryParse(value, NumberStyles.Integer, invariant, out var l) ? l.ToString(invariant) + "L" : null,
            ParameterType.Float => float.TryParse(value, NumberStyles.Float, invariant, out var f) ? FloatLiteral(InRange(f, value, parameter, notebookName)) : null,
            ParameterType.Double => double.TryParse(value, NumberStyles.Float, invariant, out var d) ? DoubleLiteral(InRange(d, value, parameter, notebookName)) : null,
            ParameterType.Decimal => decimal.TryParse(value, NumberStyles.Number, invariant, out var m) ? m.ToString(invariant) + "m" : null,
            ParameterType.String => SymbolDisplay.FormatLiteral(value, quote: true),
            _ => throw new ParameterException(
                $"{notebookName}: parameter '{parameter.Name}' cannot be set: its type '{parameter.TypeName}' is not one of bool, int, long, float, double, decimal, string (declare it with one of these or with a literal)"),
        };

        return literal ?? throw new ParameterException(
            $"{notebookName}: parameter '{parameter.Name}': value '{value}' is not a valid {parameter.TypeName}");
    }

    /// <summary>
    /// .NET parses a number too large for the type as infinity (1e39 as a float); a value that only an overflow made
    /// infinite is refused, while "Infinity" or "-inf" typed on purpose is kept.
    /// </summary>
    private static T InRange<T>(T parsed, string typed, NotebookParameter parameter, string notebookName) where T : IFloatingPointIeee754<T>, IMinMaxValue<T>
    {
        string text = typed.Trim().TrimStart('+', '-');
        bool spelledInfinite = text.StartsWith("inf", StringComparison.OrdinalIgnoreCase) || text.StartsWith('∞');
        if (T.IsInfinity(parsed) && !spelledInfinite)
        {
            throw new ParameterException(
                $"{notebookName}: parameter '{parameter.Name}': value '{typed}' is outside the range of {parameter.TypeName} (largest {T.MaxValue.ToString("G3", CultureInfo.InvariantCulture)}); give a smaller number");
        }
        return parsed;
    }

    private static string DoubleLiteral(double d) => d switch
    {
        double.NaN => "double.NaN",
        double.PositiveInfinity => "double.PositiveInfinity",
        double.NegativeInfinity => "double.NegativeInfinity",
        _ => d.ToString("R", CultureInfo.InvariantCulture) + "d",
    };

    private static string FloatLiteral(float f) => f switch
    {
        float.NaN => "float.NaN",
        float.PositiveInfinity => "float.PositiveInfinity",
        float.NegativeInfinity => "float.NegativeInfinity",
        _ => f.ToString("R", CultureInfo.InvariantCulture) + "f",
    };
}
