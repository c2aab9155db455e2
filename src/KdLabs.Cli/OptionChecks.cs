using System.CommandLine;
using System.Globalization;
using KdLabs.Infrastructure;

namespace KdLabs.Cli;

/// <summary>
/// Bounds of the options no lab's options record holds (the Studio's port, a benchmark's rounds, a data folder): each a
/// parse error (exit 2, before any work) naming the option as typed. Options bound to a record are checked by its
/// <c>Validate()</c> instead, the one place notebook code and the Studio's API are checked too.
/// </summary>
internal static class OptionChecks
{
    /// <summary>
    /// When set, a command stops at <see cref="Checked"/> (after every check of what was typed, before any work) and
    /// exits 0: how the tests feed every option of every command its bad values without training anything.
    /// </summary>
    internal static bool CheckOnly { get; set; }

    /// <summary>Ends the command here, with exit 0, when <see cref="CheckOnly"/> is set.</summary>
    public static void Checked()
    {
        if (CheckOnly)
        {
            throw new OptionsCheckedSignal();
        }
    }

    /// <summary>A typed value of <paramref name="option"/> outside [<paramref name="min"/>, <paramref name="max"/>] is a parse error.</summary>
    public static Option<int> Within(this Option<int> option, int min, int max, string meaning)
    {
        option.Validators.Add(result =>
        {
            if (Typed(result) is { } v && (v < min || v > max))
            {
                result.AddError(OutOfRange(option, v.ToString(CultureInfo.InvariantCulture), min, max, meaning));
            }
        });
        return option;
    }

    /// <inheritdoc cref="Within(Option{int}, int, int, string)"/>
    public static Option<int?> Within(this Option<int?> option, int min, int max, string meaning)
    {
        option.Validators.Add(result =>
        {
            if (Typed(result) is { } v && (v < min || v > max))
            {
                result.AddError(OutOfRange(option, v.ToString(CultureInfo.InvariantCulture), min, max, meaning));
            }
        });
        return option;
    }

    /// <summary>A typed value of <paramref name="option"/> that is not a finite number in (<paramref name="min"/>, <paramref name="max"/>] is a parse error.</summary>
    public static Option<double?> WithinExclusive(this Option<double?> option, double min, double max, string meaning)
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && double.TryParse(result.Tokens[^1].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && !(double.IsFinite(v) && v > min && v <= max))
            {
                result.AddError($"{option.Name} {v.ToString(CultureInfo.InvariantCulture)}: must be a finite number greater than {min.ToString(CultureInfo.InvariantCulture)} and at most {max.ToString(CultureInfo.InvariantCulture)} ({meaning}).");
            }
        });
        return option;
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Option, object> Paths = [];

    /// <summary>Whether <paramref name="option"/> names a file or folder (declared with <see cref="NamesPath"/>): any non-empty text is one.</summary>
    internal static bool IsPath(Option option) => Paths.TryGetValue(option, out _);

    /// <summary>A typed path that is empty (or blank) is a parse error: it would silently mean the current folder.</summary>
    public static T NamesPath<T>(this T option) where T : Option
    {
        Paths.AddOrUpdate(option, option);
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && result.Tokens.Any(t => string.IsNullOrWhiteSpace(t.Value) || t.Value.Contains('\0', StringComparison.Ordinal)))
            {
                result.AddError($"{option.Name} '': must name a file or folder; it is empty.");
            }
        });
        return option;
    }

    /// <summary>
    /// A comma-separated list as typed for <paramref name="option"/>, each entry read by <paramref name="read"/> (null: not
    /// one). Every list option reads this way: an empty entry (<c>1,,2</c>, a trailing comma, an empty list) and a
    /// value listed twice are refused, naming the option and the entry.
    /// </summary>
    public static List<T> ParseList<T>(string text, string option, string example, Func<string, T?> read) where T : struct
    {
        var parts = text.Split(',').Select(p => p.Trim()).ToList();
        if (parts.All(p => p.Length == 0))
        {
            throw new ArgumentException($"{option} '{text}': the list is empty; give e.g. {option} {example}.");
        }
        if (parts.Any(p => p.Length == 0))
        {
            throw new ArgumentException($"{option} {text}: the list has an empty entry; give e.g. {option} {example}.");
        }
        var values = new List<T>();
        foreach (var p in parts)
        {
            var value = read(p) ?? throw new ArgumentException($"{option} {text}: '{p}' is not a valid entry; give e.g. {option} {example}.");
            if (values.Contains(value))
            {
                throw new ArgumentException($"{option} {text}: '{p}' is listed twice; list each value once.");
            }
            values.Add(value);
        }
        if (values.Count > OptionsValidation.MaxListLength)
        {
            throw new ArgumentException($"{option}: {values.Count} entries; at most {OptionsValidation.MaxListLength}.");
        }
        return values;
    }

    /// <summary>A finite number as typed (invariant culture), or null.</summary>
    public static double? FiniteNumber(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && double.IsFinite(v) ? v : null;

    /// <summary>A whole number as typed, or null.</summary>
    public static int? WholeNumber(string text) => int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) ? v : null;

    // The typed whole number, or null when none was typed or it does not parse (the parser reports that itself;
    // reading the value through the parser here would throw inside it).
    private static int? Typed(System.CommandLine.Parsing.OptionResult result) =>
        result.Tokens.Count > 0 && int.TryParse(result.Tokens[^1].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) ? v : null;

    private static string OutOfRange(Option option, string value, int min, int max, string meaning) =>
        $"{option.Name} {value}: must be between {min.ToString("#,0", CultureInfo.InvariantCulture)} and {max.ToString("#,0", CultureInfo.InvariantCulture)} ({meaning}).";
}

/// <summary>Thrown by <see cref="OptionChecks.Checked"/> in check-only mode: every check passed, nothing is run.</summary>
internal sealed class OptionsCheckedSignal : Exception
{
    public OptionsCheckedSignal()
        : base("The options passed every check (check-only mode).")
    {
    }
}
