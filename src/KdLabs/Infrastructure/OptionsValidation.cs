using System.Globalization;

namespace KdLabs.Infrastructure;

/// <summary>
/// Marks the <see cref="ArgumentException"/>s of options' <c>Validate()</c> methods as a user's setting out of range, so
/// front ends show them as one line naming the option, while an <see cref="ArgumentException"/> from anywhere else (a
/// bug: a library call with a wrong argument) keeps its stack trace. The exception's type is unchanged. Also the
/// checks every options record uses, so a setting is bounded the same way (and told the same words) in every lab.
/// </summary>
public static class OptionsValidation
{
    private const string Marker = "KdLabs.OptionsValidation";

    /// <summary>Most epochs of any run: beyond it a typo (an extra zero or two) would run for days.</summary>
    public const int MaxEpochs = 1000;

    /// <summary>Largest mini-batch or evaluation batch.</summary>
    public const int MaxBatchSize = 65536;

    /// <summary>Largest image count a setting may name (a data set larger than this does not fit the kit's in-memory loaders).</summary>
    public const int MaxImages = 10_000_000;

    /// <summary>Most seeds, teachers or list entries of one run.</summary>
    public const int MaxListLength = 100;

    /// <summary>Largest learning rate: above it every optimizer the kit has diverges in its first step.</summary>
    public const double MaxLearningRate = 10;

    /// <summary>Most torch threads: four per logical core (more only queue behind each other and can exhaust memory).</summary>
    public static int MaxThreads => 4 * Environment.ProcessorCount;

    /// <summary>Runs <paramref name="validate"/>, marking any <see cref="ArgumentException"/> it throws before rethrowing it.</summary>
    public static void Run(Action validate)
    {
        try
        {
            validate();
        }
        catch (ArgumentException e)
        {
            Mark(e);
            throw;
        }
    }

    /// <summary>Marks <paramref name="e"/> as a setting out of range and returns it.</summary>
    public static T Mark<T>(T e) where T : Exception
    {
        e.Data[Marker] = true;
        return e;
    }

    /// <summary>True when <paramref name="e"/> was thrown by an option's validation.</summary>
    public static bool IsMarked(Exception e) => e.Data.Contains(Marker);

    /// <summary>Throws (marked, naming <paramref name="name"/>) unless <paramref name="min"/> ≤ <paramref name="value"/> ≤ <paramref name="max"/>.</summary>
    public static void Between(int value, int min, int max, string name, string? meaning = null)
    {
        if (value < min || value > max)
        {
            throw Mark(new ArgumentOutOfRangeException(name, value, $"{name} must be between {Show(min)} and {Show(max)}{Meaning(meaning)}."));
        }
    }

    /// <summary>As <see cref="Between(int, int, int, string, string?)"/> for an optional setting: null (its default) passes.</summary>
    public static void Between(int? value, int min, int max, string name, string? meaning = null)
    {
        if (value is { } v)
        {
            Between(v, min, max, name, meaning);
        }
    }

    /// <summary>
    /// Throws (marked, naming <paramref name="name"/>) unless <paramref name="value"/> is a finite number in the range,
    /// whose lower end is excluded when <paramref name="minExclusive"/> (e.g. "greater than 0"); NaN and infinities never pass.
    /// </summary>
    public static void Between(double value, double min, double max, string name, bool minExclusive = false, string? meaning = null)
    {
        bool ok = double.IsFinite(value) && (minExclusive ? value > min : value >= min) && value <= max;
        if (!ok)
        {
            string range = minExclusive ? $"greater than {Show(min)} and at most {Show(max)}" : $"between {Show(min)} and {Show(max)}";
            throw Mark(new ArgumentOutOfRangeException(name, value, $"{name} must be a finite number {range}{Meaning(meaning)}, got {value.ToString(CultureInfo.InvariantCulture)}."));
        }
    }

    /// <summary>Throws unless <paramref name="path"/> is null (when <paramref name="optional"/>) or names a place: not empty, no NUL.</summary>
    public static void Path(string? path, string name, bool optional = true)
    {
        if (path is null ? !optional : string.IsNullOrWhiteSpace(path) || path.Contains('\0', StringComparison.Ordinal))
        {
            throw Mark(new ArgumentException($"{name} must name a file or folder; it is empty.", name));
        }
    }

    /// <summary>Throws unless <paramref name="list"/> has 1 to <paramref name="maxCount"/> entries, each once.</summary>
    public static void List<T>(IReadOnlyList<T> list, string name, int maxCount = MaxListLength)
    {
        if (list.Count == 0)
        {
            throw Mark(new ArgumentException($"{name} must list at least one value.", name));
        }
        if (list.Count > maxCount)
        {
            throw Mark(new ArgumentException($"{name} lists {list.Count} values; at most {maxCount}.", name));
        }
        var twice = list.GroupBy(v => v).FirstOrDefault(g => g.Count() > 1);
        if (twice is not null)
        {
            throw Mark(new ArgumentException($"{name} lists {Convert.ToString(twice.Key, CultureInfo.InvariantCulture)} twice; list each value once.", name));
        }
    }

    private static string Show(int v) => v.ToString("#,0", CultureInfo.InvariantCulture);

    private static string Show(double v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Meaning(string? meaning) => meaning is null ? "" : $" ({meaning})";
}
