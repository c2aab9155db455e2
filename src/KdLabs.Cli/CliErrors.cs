using System.CommandLine;
using System.Text;
using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Training;

namespace KdLabs.Cli;

/// <summary>
/// Exit codes and error lines. Argument errors (parse errors, options' validation, the CLI's own checks) exit 2, bad
/// data and the machine's refusals exit 1, each as one line on standard error naming the option as typed or the file.
/// Anything else, an <see cref="ArgumentException"/> or <see cref="InvalidOperationException"/> from inside the library
/// included, is a bug: it keeps its stack trace, says so, and exits 70.
/// </summary>
internal static class CliErrors
{
    /// <summary>Exit code for bad arguments.</summary>
    public const int BadArguments = 2;

    /// <summary>Exit code for bad data, unreadable or unwritable places, diverged training.</summary>
    public const int BadData = 1;

    /// <summary>Exit code for an unexpected exception (EX_SOFTWARE).</summary>
    public const int Bug = 70;

    // The command line being run, so an option's C# property name in an exception can be shown as the option typed.
    private static ParseResult? current;

    /// <summary>Parses and runs <paramref name="args"/>: parse errors exit 2 before anything runs.</summary>
    public static int Run(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                Error(error.Message);
            }
            var names = new List<string>();
            for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            {
                names.Add(result.Parent is null ? "kdlabs" : result.Command.Name);
            }
            names.Reverse();
            Console.Error.WriteLine($"Run '{string.Join(' ', names)} --help' for the options.");
            return BadArguments;
        }
        current = parse;
        return Guard(() => parse.Invoke());
    }

    /// <summary>Runs a command's body, turning the kit's expected failures into one line and an exit code.</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (ArgumentException e) when (IsOptionError(e))
        {
            Error(Describe(e));
            return BadArguments;
        }
        catch (Exception e) when (e is DataFormatException or TrainingDivergedException or UserErrorException or IOException or UnauthorizedAccessException)
        {
            Error(e is UnauthorizedAccessException ? $"permission denied: {e.Message} Run as a user who may read and write it, or choose another folder." : e.Message);
            return BadData;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Error($"unexpected {e.GetType().Name}: {e.Message}");
            Console.Error.WriteLine(e.ToString());
            Console.Error.WriteLine("This is a bug in kdlabs, not a problem with your input: please report it with the command you ran and the trace above.");
            return Bug;
        }
    }

    /// <summary>
    /// An argument error that is the user's: thrown by an options record's <c>Validate()</c> (marked by
    /// <see cref="OptionsValidation"/>) or by the CLI's own checks of what was typed. Any other <see cref="ArgumentException"/>
    /// is library code called wrongly, a bug that keeps its stack trace.
    /// </summary>
    internal static bool IsOptionError(ArgumentException e) =>
        OptionsValidation.IsMarked(e) || e.TargetSite?.DeclaringType?.Assembly == typeof(CliErrors).Assembly;

    /// <summary>Makes a value of <paramref name="option"/> below <paramref name="minimum"/> a parse error (exit 2) instead of a silent no-op.</summary>
    public static T AtLeast<T>(this T option, int minimum, string meaning) where T : Option<int>
    {
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && result.GetValueOrDefault<int>() < minimum)
            {
                result.AddError($"{option.Name} {result.GetValueOrDefault<int>()}: must be at least {minimum} ({meaning}).");
            }
        });
        return option;
    }

    /// <summary>An argument error as one line, naming the option as typed (e.g. <c>--epochs 0</c>) instead of a C# property.</summary>
    internal static string Describe(ArgumentException e)
    {
        string text = e.Message;
        if (e is ArgumentOutOfRangeException { ActualValue: { } actual })
        {
            text = text.Replace($"{Environment.NewLine}Actual value was {actual}.", "", StringComparison.Ordinal);
        }
        // A setting named in the text, "(Synthetic)", is shown as its option, "(--synthetic)".
        text = System.Text.RegularExpressions.Regex.Replace(text, @"\(([A-Z][A-Za-z.]*)\)", m => current is not null && OptionSettings.OptionFor(current.CommandResult.Command, m.Groups[1].Value) is { } o ? $"({o.Name})" : m.Value);
        if (e.ParamName is { } name)
        {
            text = text.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal);
            if (OptionFor(name) is { } typed)
            {
                // "Epochs must be at least 1." → "--epochs 0: must be at least 1."
                if (text.StartsWith(name + " ", StringComparison.Ordinal))
                {
                    text = text[(name.Length + 1)..];
                }
                return $"{typed}: {text}";
            }
        }
        return text;
    }

    private static string? OptionFor(string parameter)
    {
        if (current is null)
        {
            return null;
        }
        var command = current.CommandResult.Command;
        // The option a binder declared for this setting; otherwise the setting's name in kebab case (Epochs → --epochs).
        var option = OptionSettings.OptionFor(command, parameter);
        if (option is null)
        {
            string wanted = "--" + Kebab(parameter);
            option = command.Options.FirstOrDefault(o => o.Name == wanted || o.Aliases.Contains(wanted));
        }
        if (option is null)
        {
            return null;
        }
        var tokens = current.GetResult(option)?.Tokens.Select(t => t.Value).ToList();
        return tokens is { Count: > 0 } ? $"{option.Name} {string.Join(' ', tokens)}" : option.Name;
    }

    private static string Kebab(string name)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                sb.Append('-');
            }
            sb.Append(char.ToLowerInvariant(name[i]));
        }
        return sb.ToString();
    }

    // Plain text: one line whatever the terminal's width, and greppable in logs.
    private static void Error(string message) => Console.Error.WriteLine($"error: {message.ReplaceLineEndings(" ")}");
}
