using KdLabs.Data;
using KdLabs.Training;
using Spectre.Console;

namespace KdLabs.Cli;

/// <summary>Turns the kit's expected failures into one clear line and an exit code, instead of a stack trace.</summary>
internal static class CliErrors
{
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e) when (e is ArgumentException or DataFormatException or TrainingDivergedException or IOException or InvalidOperationException)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return e is ArgumentException ? 2 : 1;
        }
    }
}
