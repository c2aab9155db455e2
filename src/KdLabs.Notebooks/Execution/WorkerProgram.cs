using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using KdLabs.Notebooks.Format;
using KdLabs.Notebooks.Formatting;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// The notebook worker: a child process of the runner that holds one notebook's scripting state and runs its cells
/// as the runner asks (<see cref="WorkerProtocol"/>). Whatever a cell does to this process (stack overflow, an
/// exception on another thread, Environment.Exit) leaves the runner alive to write what ran.
/// </summary>
internal static class WorkerProgram
{
    private static WorkerMessageWriter? _messages;
    private static InProcessCellExecutor? _executor;
    private static volatile CancellationTokenSource? _currentCell;
    private static readonly BlockingCollection<JsonObject> InputReplies = [];

    /// <summary>Entry point of KdLabs.Notebooks.dll when the runner starts it as its worker.</summary>
    public static async Task<int> Main(string[] args)
    {
        if (args is not [WorkerProtocol.WorkerArgument])
        {
            await Console.Error.WriteLineAsync("KdLabs.Notebooks runs as the notebook runner's worker process (started by `kdlabs run`); it is not a command of its own.").ConfigureAwait(false);
            return 2;
        }

        var messages = _messages = new WorkerMessageWriter(StandardOutput());
        // Console writes outside a cell must not mix with the messages on stdout; the runner keeps stderr for crash reports.
        Console.SetOut(Console.Error);
        // stdin carries the runner's requests: a cell must never read them (its reads go through CellInput).
        Console.SetIn(TextReader.Null);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => messages.Flush();
        AppDomain.CurrentDomain.UnhandledException += (_, e) => ReportFatal(e.ExceptionObject);
        // Ctrl+C reaches the whole process group; the runner decides what stops (it sends "cancel" or kills the worker).
        using var interrupt = IgnoreSignal(PosixSignal.SIGINT);

        var requests = Channel.CreateUnbounded<JsonObject>();
        var reader = new Thread(() => ReadRequests(requests.Writer)) { IsBackground = true, Name = "kdlabs-worker-stdin" };
        reader.Start();

        await foreach (var request in requests.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            switch ((string?)request["op"])
            {
                case "start":
                    _executor = new InProcessCellExecutor(FormatterRegistry.CreateDefault(), (string)request["baseDirectory"]!);
                    await _executor.StartAsync(CancellationToken.None).ConfigureAwait(false);
                    messages.Send(new JsonObject { ["ev"] = "ready" });
                    break;
                case "run":
                    await RunCellAsync(request, messages).ConfigureAwait(false);
                    break;
            }
        }

        messages.Dispose();
        return 0;
    }

    private static async Task RunCellAsync(JsonObject request, WorkerMessageWriter messages)
    {
        var executor = _executor ?? throw new InvalidOperationException("run before start");
        var count = (int)request["executionCount"]!;
        var cell = new CellRequest(
            (string)request["code"]!,
            request["references"]!.AsArray().Select(r => (string)r!).ToList(),
            (string)request["cellPath"]!,
            count);
        using var cts = new CancellationTokenSource();
        var collector = new OutputCollector((long)request["maxStreamChars"]!)
        {
            OnStream = (name, text) => messages.Stream(count, name, text),
            OnOutput = output => messages.Send(new JsonObject { ["ev"] = "output", ["cell"] = count, ["output"] = IpynbFormat.OutputToJson(output) }),
            ReadInput = (bool?)request["allowInput"] == true ? prompt => RequestInput(messages, count, prompt, cts.Token) : null,
        };

        _currentCell = cts;
        CellResult result;
        try
        {
            result = await executor.RunAsync(cell, collector, cts.Token).ConfigureAwait(false);
        }
        finally
        {
            _currentCell = null;
        }

        messages.Send(new JsonObject
        {
            ["ev"] = "done",
            ["cell"] = count,
            ["cancelled"] = result.Cancelled,
            ["stillRunning"] = result.StillRunning,
            ["error"] = result.Error is { } error ? WorkerProtocol.Error(error, result.Line) : null,
        });
    }

    /// <summary>Asks the runner for a line of input for the cell and waits for its answer (null: none will come).</summary>
    private static string? RequestInput(WorkerMessageWriter messages, int cell, string prompt, CancellationToken ct)
    {
        while (InputReplies.TryTake(out _))
        {
            // An answer left over from an earlier, cancelled read is not this read's.
        }

        messages.Send(new JsonObject { ["ev"] = "input", ["cell"] = cell, ["prompt"] = prompt });
        try
        {
            return (string?)InputReplies.Take(ct)["value"];
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private static void ReadRequests(ChannelWriter<JsonObject> requests)
    {
        using var stdin = new StreamReader(Console.OpenStandardInput());
        while (stdin.ReadLine() is { } line)
        {
            if (JsonNode.Parse(line) is not JsonObject request)
            {
                continue;
            }

            if ((string?)request["op"] == "input")
            {
                InputReplies.Add(request);
                continue;
            }

            if ((string?)request["op"] == "cancel")
            {
                // Straight from this thread: the main loop is busy running the cell.
                try
                {
                    _currentCell?.Cancel();
                }
                catch (ObjectDisposedException)
                {
                }

                continue;
            }

            requests.TryWrite(request);
        }

        // stdin closed: the runner is done with us, or gone (killed). Either way nobody will read what comes next.
        _messages?.Flush();
        Environment.Exit(0);
    }

    private static void ReportFatal(object exceptionObject)
    {
        if (_messages is not { } messages)
        {
            return;
        }

        var exception = exceptionObject as Exception ?? new InvalidOperationException(exceptionObject?.ToString());
        var (error, line) = CellErrors.FromException(exception, _executor?.CurrentCellPath);
        try
        {
            messages.Send(new JsonObject { ["ev"] = "fatal", ["error"] = WorkerProtocol.Error(error, line) });
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// fd 1 as a plain stream. Not Console.OpenStandardOutput: on Unix its writes lock Console.Out, which a cell holds
    /// while printing, and the batching timer writing under its own lock would deadlock with it.
    /// </summary>
    private static Stream StandardOutput() => OperatingSystem.IsWindows()
        ? Console.OpenStandardOutput()
        : new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1);

    private static IDisposable? IgnoreSignal(PosixSignal signal)
    {
        try
        {
            return PosixSignalRegistration.Create(signal, context => context.Cancel = true);
        }
        catch (PlatformNotSupportedException)
        {
            return null;
        }
    }
}
