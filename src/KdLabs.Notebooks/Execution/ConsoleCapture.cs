using System.Text;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// Routes Console.Out/Err into the running cell's outputs, and Console.In to the cell's input (<see cref="CellInput"/>). Console is process-wide, but runs may overlap (tests,
/// a course run in another thread), so the writers installed here consult an AsyncLocal: code running for a cell
/// (including tasks it starts) writes into that cell; everything else goes to the original console.
/// </summary>
internal static class ConsoleCapture
{
    private static readonly AsyncLocal<OutputCollector?> Current = new();
    private static readonly Lock InstallLock = new();
    private static TextWriter? _installedOut;
    private static TextWriter? _installedErr;
    private static TextReader? _installedIn;

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

            if (!ReferenceEquals(Console.In, _installedIn))
            {
                // Console.SetIn wraps the reader in a synchronized one; remember what Console.In returns now.
                Console.SetIn(new RoutingReader(Console.In));
                _installedIn = Console.In;
            }
        }
    }

    private sealed class Scope(OutputCollector? previous) : IDisposable
    {
        public void Dispose() => Current.Value = previous;
    }

    /// <summary>A cell reads from its host (or fails at once); everything else reads the process's own stdin.</summary>
    private sealed class RoutingReader(TextReader inner) : TextReader
    {
        private string _pending = "";

        public override string? ReadLine()
        {
            if (Current.Value is not { } c)
            {
                return inner.ReadLine();
            }

            if (_pending.Length > 0)
            {
                var rest = _pending;
                _pending = "";
                return rest.TrimEnd('\n');
            }

            return CellInput.ReadLine(c);
        }

        public override int Read()
        {
            if (Current.Value is not { } c)
            {
                return inner.Read();
            }

            if (_pending.Length == 0)
            {
                _pending = CellInput.ReadLine(c) + "\n";
            }

            var next = _pending[0];
            _pending = _pending[1..];
            return next;
        }

        public override int Peek() => Current.Value is null ? inner.Peek() : _pending.Length > 0 ? _pending[0] : -1;

        public override string ReadToEnd() => Current.Value is null ? inner.ReadToEnd() : throw CellInput.NoInput();
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
