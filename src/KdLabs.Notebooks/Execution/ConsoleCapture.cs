using System.Text;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// Routes Console.Out/Err into the running cell's outputs. Console is process-wide, but runs may overlap (tests,
/// a course run in another thread), so the writers installed here consult an AsyncLocal: code running for a cell
/// (including tasks it starts) writes into that cell; everything else goes to the original console.
/// </summary>
internal static class ConsoleCapture
{
    private static readonly AsyncLocal<OutputCollector?> Current = new();
    private static readonly Lock InstallLock = new();
    private static TextWriter? _installedOut;
    private static TextWriter? _installedErr;

    /// <summary>Sends console output of this async flow to <paramref name="collector"/> until disposed.</summary>
    public static IDisposable Begin(OutputCollector collector)
    {
        EnsureInstalled();
        var previous = Current.Value;
        Current.Value = collector;
        return new Scope(previous);
    }

    private static void EnsureInstalled()
    {
        lock (InstallLock)
        {
            // Someone else (a test host, a logger) may have replaced Console.Out since; wrap whatever is there now.
            if (!ReferenceEquals(Console.Out, _installedOut))
            {
                Console.SetOut(new RoutingWriter(Console.Out, "stdout"));
                _installedOut = Console.Out;
            }

            if (!ReferenceEquals(Console.Error, _installedErr))
            {
                Console.SetError(new RoutingWriter(Console.Error, "stderr"));
                _installedErr = Console.Error;
            }
        }
    }

    private sealed class Scope(OutputCollector? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }

    private sealed class RoutingWriter(TextWriter inner, string stream) : TextWriter
    {
        public override Encoding Encoding => inner.Encoding;

        public override void Write(char value)
        {
            if (Current.Value is { } c)
            {
                c.AppendStream(stream, value.ToString());
            }
            else
            {
                inner.Write(value);
            }
        }

        public override void Write(string? value)
        {
            if (Current.Value is { } c)
            {
                c.AppendStream(stream, value ?? "");
            }
            else
            {
                inner.Write(value);
            }
        }

        public override void Write(char[] buffer, int index, int count)
        {
            if (Current.Value is { } c)
            {
                c.AppendStream(stream, new string(buffer, index, count));
            }
            else
            {
                inner.Write(buffer, index, count);
            }
        }

        public override void WriteLine(string? value) => Write((value ?? "") + new string(CoreNewLine));

        public override void Flush()
        {
            if (Current.Value is null)
            {
                inner.Flush();
            }
        }
    }
}
