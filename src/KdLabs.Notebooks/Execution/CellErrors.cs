using System.Diagnostics;
using System.Globalization;
using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Execution;

/// <summary>Turns a cell's compile errors or exception into Jupyter's error output plus the line in the cell.</summary>
internal static class CellErrors
{
    public static (ErrorOutput Output, int? Line) From(CellOutcome outcome, string cellPath)
    {
        if (outcome.CompileErrors.Count > 0)
        {
            var first = outcome.CompileErrors[0];
            var line = first.Location.GetMappedLineSpan().StartLinePosition.Line + 1;
            var hint = CompileHints.For(first);
            var evalue = $"error {first.Id}: {first.GetMessage(CultureInfo.InvariantCulture)}{(hint is null ? "" : $" ({hint})")}";
            var traceback = outcome.CompileErrors.Select(d =>
            {
                var position = d.Location.GetMappedLineSpan().StartLinePosition;
                return $"({position.Line + 1},{position.Character + 1}): error {d.Id}: {d.GetMessage(CultureInfo.InvariantCulture)}";
            }).ToList();
            if (hint is not null)
            {
                traceback.Add(hint);
            }
            return (new ErrorOutput("CompilationError", evalue, traceback), line);
        }

        return FromException(outcome.Exception!, cellPath);
    }

    /// <summary>The exception's type, message, full stack trace and the first line of the cell in that trace.</summary>
    public static (ErrorOutput Output, int? Line) FromException(Exception exception, string? cellPath, string? note = null)
    {
        if (exception is System.Reflection.TargetInvocationException { InnerException: { } inner })
        {
            exception = inner;
        }

        var frameLine = cellPath is null ? null : new StackTrace(exception, fNeedFileInfo: true).GetFrames()
            .FirstOrDefault(f => string.Equals(f.GetFileName(), cellPath, StringComparison.Ordinal) && f.GetFileLineNumber() > 0)
            ?.GetFileLineNumber();
        var ename = exception.GetType().FullName ?? exception.GetType().Name;
        var traceback = exception.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (note is not null)
        {
            traceback.Add(note);
        }

        return (new ErrorOutput(ename, exception.Message, traceback), frameLine is > 0 ? frameLine : null);
    }
}
