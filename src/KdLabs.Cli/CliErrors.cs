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
/// or an <see cref="IOException"/> that is not the user's (<see cref="IsUserIOError"/>) included, is a bug: it keeps its stack trace, says so, and exits 70.
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
                Error(NamingTheOption(error));
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

    // A parse error names its option ("--teacher garbage: Argument 'garbage' not recognized…") when the parser's own text does not.
    private static string NamingTheOption(System.CommandLine.Parsing.ParseError error)
    {
        var symbol = error.SymbolResult;
        while (symbol is not null and not System.CommandLine.Parsing.OptionResult)
        {
            symbol = symbol.Parent;
        }
        if (symbol is System.CommandLine.Parsing.OptionResult { Option: var option } result
            && !option.Aliases.Prepend(option.Name).Any(n => error.Message.Contains(n, StringComparison.Ordinal)))
        {
            string typed = string.Join(' ', result.Tokens.Select(t => t.Value.Length == 0 ? "''" : t.Value));
            return $"{option.Name} {typed}: {error.Message}";
        }
        return error.Message;
    }

    /// <summary>Runs a command's body, turning the kit's expected failures into one line and an exit code.</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Report(e);
        }
    }

    /// <summary>
    /// Reports <paramref name="e"/> on standard error and returns its exit code: an option error (<see cref="IsOptionError"/>)
    /// exits 2, the user's data or places (<see cref="IsUserFailure"/>) exit 1, each as one line; anything else is a bug
    /// that keeps its stack trace and exits 70. The one classification of every command, async ones included.
    /// </summary>
    internal static int Report(Exception e)
    {
        if (e is OptionsCheckedSignal)
        {
            return 0;
        }
        // A parallel loop wraps what its bodies threw: the user's failure inside (every one of them) is still the user's.
        if (e is AggregateException aggregate && aggregate.Flatten().InnerExceptions is { Count: > 0 } inner && inner.All(IsUserFailure))
        {
            return Report(inner[0]);
        }
        if (e is ArgumentException argument && IsOptionError(argument))
        {
            Error(Describe(argument));
            return BadArguments;
        }
        if (IsUserFailure(e))
        {
            Error(e switch
            {
                UnauthorizedAccessException => $"permission denied: {e.Message} Run as a user who may read and write it, or choose another folder.",
                IOException io when IsFullOrReadOnlyDisk(io) => $"{e.Message} Free space (or quota) on that disk, or choose a writable folder.",
                // The library names a setting, "(Lab.DataDirectory)"; the command line's user reads its flag, "(--data)".
                _ => NamingOptions(e.Message),
            });
            return BadData;
        }
        Error($"unexpected {e.GetType().Name}: {e.Message}");
        Console.Error.WriteLine(e.ToString());
        Console.Error.WriteLine("This is a bug in kdlabs, not a problem with your input: please report it with the command you ran and the trace above.");
        return Bug;
    }

    /// <summary>
    /// A failure that is the user's data or machine, not the kit's: bad data, diverged training, a refusal the kit
    /// explains, no permission, or an <see cref="IOException"/> that <see cref="IsUserIOError"/> accepts.
    /// </summary>
    internal static bool IsUserFailure(Exception e) =>
        e is DataFormatException or TrainingDivergedException or UserErrorException or UnauthorizedAccessException
        || (e is IOException io && IsUserIOError(io));

    /// <summary>
    /// An <see cref="IOException"/> that is the user's: a missing file or folder, a path too long, a full disk, quota or
    /// read-only file system, or one the kit itself threw with a message naming the place and the fix (the output folder,
    /// a held lock). Any other, an <see cref="EndOfStreamException"/> or a sharing violation between the kit's own
    /// handles among them, means the kit read or opened something wrongly: a bug that keeps its stack trace.
    /// </summary>
    internal static bool IsUserIOError(IOException e) =>
        e is FileNotFoundException or DirectoryNotFoundException or DriveNotFoundException or PathTooLongException
        || IsFullOrReadOnlyDisk(e)
        || (e.GetType() == typeof(IOException) && IsThrownByKit(e));

    /// <summary>
    /// True when <paramref name="e"/> was thrown by the kit's own code (CLI, library, notebook runner) rather than by the
    /// runtime under it: the kit throws plain exceptions only with a message written for the user.
    /// </summary>
    internal static bool IsThrownByKit(Exception e) => e.TargetSite?.DeclaringType?.Assembly is { } thrower && KitAssemblies.Contains(thrower);

    private static readonly System.Reflection.Assembly[] KitAssemblies =
        [typeof(CliErrors).Assembly, typeof(DataFormatException).Assembly, typeof(Notebooks.Execution.NotebookRunner).Assembly];

    // The runtime gives no type for these: on Unix the HResult is the errno (ENOSPC, EROFS, EDQUOT), on Windows a Win32 code.
    private static bool IsFullOrReadOnlyDisk(IOException e) => OperatingSystem.IsWindows()
        ? e.HResult is unchecked((int)0x80070070) or unchecked((int)0x80070027) or unchecked((int)0x8007050F) or unchecked((int)0x80070013)
        : e.HResult is 28 or 30 || e.HResult == (OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? 69 : 122);

    /// <summary>
    /// An argument error that is the user's: thrown by an options record's <c>Validate()</c> (marked by
    /// <see cref="OptionsValidation"/>) or by the CLI's own checks of what was typed. Any other <see cref="ArgumentException"/>
    /// is library code called wrongly, a bug that keeps its stack trace.
    /// </summary>
    internal static bool IsOptionError(ArgumentException e) =>
        OptionsValidation.IsMarked(e) || e.TargetSite?.DeclaringType?.Assembly == typeof(CliErrors).Assembly;

    /// <summary>An argument error as one line, naming the option as typed (e.g. <c>--epochs 0</c>) instead of a C# property.</summary>
    internal static string Describe(ArgumentException e)
    {
        string text = e.Message;
        if (e is ArgumentOutOfRangeException { ActualValue: { } actual })
        {
            text = text.Replace($"{Environment.NewLine}Actual value was {actual}.", "", StringComparison.Ordinal);
        }
        text = NamingOptions(text);
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

    /// <summary>A setting named in <paramref name="text"/> in parentheses, "(Synthetic)", shown as the running command's option, "(--synthetic)".</summary>
    private static string NamingOptions(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"\(([A-Z][A-Za-z.]*)\)", m => current is not null && OptionSettings.OptionFor(current.CommandResult.Command, m.Groups[1].Value) is { } o ? $"({o.Name})" : m.Value);

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
        var tokens = current.GetResult(option)?.Tokens.Select(t => t.Value.Length == 0 ? "''" : t.Value).ToList();
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
