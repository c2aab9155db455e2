using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;
using KdLabs.Kernel.Engine;
using KdLabs.Notebooks.Execution;
using KdLabs.Notebooks.Format;
using NetMQ;
using NetMQ.Sockets;

namespace KdLabs.Kernel.Protocol;

/// <summary>
/// The Jupyter messaging protocol (5.3) over NetMQ: shell and control requests each on their own thread (so an
/// interrupt or shutdown on control is answered while a cell runs on shell), iopub published from one thread in
/// order, stdin for a cell's <c>Console.ReadLine()</c>, and the heartbeat echoed on its own thread.
/// </summary>
internal sealed class KernelServer : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private readonly ConnectionInfo _connection;
    private readonly MessageSigner _signer;
    private readonly string _session = Guid.NewGuid().ToString("N");
    private readonly TextWriter _log;
    private readonly KernelSession _cells;
    private readonly CodeAssistance _assistance;
    private readonly BlockingCollection<(JupyterMessage? Message, ManualResetEventSlim? Sent)> _iopub = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly RouterSocket _shell = new();
    private readonly RouterSocket _control = new();
    private readonly RouterSocket _stdin = new();
    private readonly PublisherSocket _iopubSocket = new();
    private readonly ResponseSocket _heartbeat = new();
    private volatile CancellationTokenSource? _running;

    public KernelServer(ConnectionInfo connection, string baseDirectory, TextWriter log)
    {
        _connection = connection;
        _signer = new MessageSigner(connection.Key);
        _log = log;
        _cells = new KernelSession(baseDirectory, Log);
        _assistance = new CodeAssistance(_cells);
    }

    /// <summary>Binds the sockets, serves until a shutdown request (or <paramref name="ct"/>), then stops the worker.</summary>
    /// <returns>True when the frontend asked for a restart (the frontend starts a new kernel process).</returns>
    public async Task<bool> RunAsync(CancellationToken ct)
    {
        _shell.Bind(_connection.Endpoint(_connection.ShellPort));
        _control.Bind(_connection.Endpoint(_connection.ControlPort));
        _stdin.Bind(_connection.Endpoint(_connection.StdinPort));
        _iopubSocket.Bind(_connection.Endpoint(_connection.IopubPort));
        _heartbeat.Bind(_connection.Endpoint(_connection.HbPort));
        _cells.Start();

        var restart = false;
        var threads = new[]
        {
            Start("kdlabs-kernel-heartbeat", HeartbeatLoop),
            Start("kdlabs-kernel-iopub", IopubLoop),
            Start("kdlabs-kernel-control", () => ServeLoop(_control, "control", r => restart |= r)),
            Start("kdlabs-kernel-shell", () => ServeLoop(_shell, "shell", r => restart |= r)),
        };
        Log($"listening on {_connection.Ip} (shell {_connection.ShellPort}, control {_connection.ControlPort}), cells run in {_cells.BaseDirectory}");
        using (ct.Register(_stop.Cancel))
        {
            await Task.Run(() => _stop.Token.WaitHandle.WaitOne(), CancellationToken.None).ConfigureAwait(false);
        }

        _running?.Cancel();
        foreach (var thread in threads.Where(t => t.Name != "kdlabs-kernel-iopub"))
        {
            thread.Join(TimeSpan.FromSeconds(5));
        }

        _iopub.CompleteAdding();
        threads.Single(t => t.Name == "kdlabs-kernel-iopub").Join(TimeSpan.FromSeconds(5));
        await _cells.DisposeAsync().ConfigureAwait(false);
        return restart;
    }

    public void Dispose()
    {
        foreach (var socket in new NetMQSocket[] { _shell, _control, _stdin, _iopubSocket, _heartbeat })
        {
            socket.Options.Linger = TimeSpan.Zero;
            socket.Dispose();
        }

        _stop.Dispose();
        _iopub.Dispose();
        NetMQConfig.Cleanup(block: false);
    }

    private static Thread Start(string name, Action body)
    {
        var thread = new Thread(() => body()) { IsBackground = true, Name = name };
        thread.Start();
        return thread;
    }

    private void Log(string line) => _log.WriteLine($"kdlabs kernel: {line}");

    private void HeartbeatLoop()
    {
        var frames = new NetMQMessage();
        while (!_stop.IsCancellationRequested)
        {
            if (_heartbeat.TryReceiveMultipartMessage(Poll, ref frames))
            {
                _heartbeat.SendMultipartMessage(frames);
                frames = new NetMQMessage();
            }
        }
    }

    private void IopubLoop()
    {
        foreach (var (message, sent) in _iopub.GetConsumingEnumerable())
        {
            if (message is not null)
            {
                _iopubSocket.SendMultipartMessage(message.Encode(_signer));
            }

            sent?.Set();
        }
    }

    private void Publish(string msgType, JsonObject content, JupyterMessage? parent)
    {
        var message = JupyterMessage.Create(msgType, content, parent, _session, identities: [System.Text.Encoding.UTF8.GetBytes(msgType)]);
        try
        {
            _iopub.Add((message, null));
        }
        catch (InvalidOperationException)
        {
            // Shutting down: iopub is closed.
        }
    }

    /// <summary>
    /// Waits until every output published so far is on the wire. nbclient (papermill) gives a kernel 4 s after the
    /// execute_reply to deliver the rest of the cell's iopub messages; a reply that overtook a large chart output
    /// could run out that time on a loaded machine.
    /// </summary>
    private void FlushIopub()
    {
        using var sent = new ManualResetEventSlim();
        try
        {
            _iopub.Add((null, sent));
        }
        catch (InvalidOperationException)
        {
            return;
        }

        sent.Wait(TimeSpan.FromSeconds(30));
    }

    private void ServeLoop(RouterSocket socket, string channel, Action<bool> restartRequested)
    {
        var frames = new NetMQMessage();
        while (!_stop.IsCancellationRequested)
        {
            if (!socket.TryReceiveMultipartMessage(Poll, ref frames))
            {
                continue;
            }

            var received = frames;
            frames = new NetMQMessage();
            JupyterMessage request;
            try
            {
                request = JupyterMessage.Decode(received, _signer);
            }
            catch (InvalidSignatureException)
            {
                Log($"refused a {channel} message with a wrong HMAC signature (is the frontend using this connection file's key?)");
                continue;
            }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
            {
                Log($"ignored a malformed {channel} message: {e.Message}");
                continue;
            }

            Publish("status", new JsonObject { ["execution_state"] = "busy" }, request);
            try
            {
                Handle(socket, channel, request, restartRequested);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A request this kernel mishandles must not end the channel's thread (the frontend would hang on
                // every later request); the log keeps the whole stack trace, as a bug report needs.
                Log($"unexpected error while handling a {channel} {request.MsgType}: {e}");
            }
            finally
            {
                Publish("status", new JsonObject { ["execution_state"] = "idle" }, request);
            }
        }
    }

    private void Reply(RouterSocket socket, JupyterMessage request, JsonObject content)
    {
        var type = request.MsgType.EndsWith("_request", StringComparison.Ordinal) ? request.MsgType[..^"_request".Length] + "_reply" : request.MsgType + "_reply";
        socket.SendMultipartMessage(JupyterMessage.Create(type, content, request, _session).Encode(_signer));
    }

    private void Handle(RouterSocket socket, string channel, JupyterMessage request, Action<bool> restartRequested)
    {
        switch (request.MsgType)
        {
            case "kernel_info_request":
                Reply(socket, request, KernelInfo.Content());
                break;
            case "execute_request" when channel == "shell":
                Execute(request);
                break;
            case "is_complete_request":
                Reply(socket, request, _assistance.IsComplete((string?)request.Content["code"] ?? ""));
                break;
            case "complete_request":
                Reply(socket, request, _assistance.Complete((string?)request.Content["code"] ?? "", (int?)request.Content["cursor_pos"]));
                break;
            case "inspect_request":
                Reply(socket, request, new JsonObject { ["status"] = "ok", ["found"] = false, ["data"] = new JsonObject(), ["metadata"] = new JsonObject() });
                break;
            case "history_request":
                Reply(socket, request, new JsonObject { ["status"] = "ok", ["history"] = new JsonArray() });
                break;
            case "comm_info_request":
                Reply(socket, request, new JsonObject { ["status"] = "ok", ["comms"] = new JsonObject() });
                break;
            case "interrupt_request":
                var clock = Stopwatch.StartNew();
                _running?.Cancel();
                Reply(socket, request, new JsonObject { ["status"] = "ok" });
                Log($"interrupt requested on {channel} ({(clock.ElapsedMilliseconds)} ms to signal the cell)");
                break;
            case "shutdown_request":
                var restart = (bool?)request.Content["restart"] == true;
                restartRequested(restart);
                Reply(socket, request, new JsonObject { ["status"] = "ok", ["restart"] = restart });
                Publish("shutdown_reply", new JsonObject { ["status"] = "ok", ["restart"] = restart }, request);
                Log(restart ? "restart requested: this process ends and the frontend starts a fresh one" : "shutdown requested");
                _running?.Cancel();
                _stop.Cancel();
                break;
            case "comm_open" or "comm_msg" or "comm_close":
                break; // no comms (widgets) in this kernel; comm_info answers that there are none
            default:
                Log($"ignored an unknown {channel} message type '{request.MsgType}'");
                break;
        }
    }

    private void Execute(JupyterMessage request)
    {
        var code = (string?)request.Content["code"] ?? "";
        var silent = (bool?)request.Content["silent"] == true;
        var storeHistory = !silent && (bool?)request.Content["store_history"] != false;
        var allowStdin = (bool?)request.Content["allow_stdin"] == true;
        var stopOnError = (bool?)request.Content["stop_on_error"] != false;

        if (code.Trim() is "exit" or "quit" or "exit()" or "quit()")
        {
            // Not C#: what a terminal frontend's user types to leave. jupyter console asks to exit on this payload.
            Reply(_shell, request, new JsonObject
            {
                ["status"] = "ok",
                ["execution_count"] = _cells.ExecutionCount,
                ["user_expressions"] = new JsonObject(),
                ["payload"] = new JsonArray(new JsonObject { ["source"] = "ask_exit", ["keepkernel"] = false }),
            });
            return;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        if (!silent)
        {
            Publish("execute_input", new JsonObject { ["code"] = code, ["execution_count"] = _cells.ExecutionCount + (storeHistory ? 1 : 0) }, request);
        }

        var collector = new OutputCollector(OutputCollector.DefaultMaxStreamChars)
        {
            OnStream = (name, text) =>
            {
                if (!silent)
                {
                    Publish("stream", new JsonObject { ["name"] = name, ["text"] = text }, request);
                }
            },
            OnOutput = output =>
            {
                if (!silent)
                {
                    PublishOutput(output, request);
                }
            },
            ReadInput = allowStdin ? prompt => AskInput(request, prompt, cts.Token) : null,
        };

        _running = cts;
        ExecuteOutcome outcome;
        try
        {
            outcome = _cells.ExecuteAsync(code, storeHistory, collector, cts.Token).GetAwaiter().GetResult();
        }
        finally
        {
            _running = null;
        }

        if (outcome.Error is { } error)
        {
            var content = new JsonObject
            {
                ["ename"] = error.Ename,
                ["evalue"] = error.Evalue,
                ["traceback"] = new JsonArray(error.Traceback.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            };
            if (!silent)
            {
                Publish("error", content.DeepClone().AsObject(), request);
            }

            content["status"] = "error";
            content["execution_count"] = outcome.ExecutionCount;
            FlushIopub();
            Reply(_shell, request, content);
            if (stopOnError)
            {
                AbortQueuedExecutions();
            }

            return;
        }

        FlushIopub();
        Reply(_shell, request, new JsonObject
        {
            ["status"] = "ok",
            ["execution_count"] = outcome.ExecutionCount,
            ["user_expressions"] = new JsonObject(),
            ["payload"] = new JsonArray(),
        });
    }

    /// <summary>
    /// stop_on_error: the execute requests already queued behind a failed cell are answered "aborted" without running
    /// (Run All stops at the first error); other requests are served as usual. Only what is already queued: a request
    /// sent after the error reply runs.
    /// </summary>
    private void AbortQueuedExecutions()
    {
        var frames = new NetMQMessage();
        while (_shell.TryReceiveMultipartMessage(TimeSpan.Zero, ref frames))
        {
            var received = frames;
            frames = new NetMQMessage();
            JupyterMessage queued;
            try
            {
                queued = JupyterMessage.Decode(received, _signer);
            }
            catch (Exception e) when (e is InvalidSignatureException or FormatException or System.Text.Json.JsonException)
            {
                Log("refused a queued shell message with a wrong signature or form");
                continue;
            }

            Publish("status", new JsonObject { ["execution_state"] = "busy" }, queued);
            if (queued.MsgType == "execute_request")
            {
                Reply(_shell, queued, new JsonObject { ["status"] = "aborted", ["execution_count"] = _cells.ExecutionCount });
            }
            else
            {
                Handle(_shell, "shell", queued, _ => { });
            }

            Publish("status", new JsonObject { ["execution_state"] = "idle" }, queued);
        }
    }

    private void PublishOutput(NotebookOutput output, JupyterMessage request)
    {
        switch (output)
        {
            case StreamOutput stream:
                Publish("stream", new JsonObject { ["name"] = stream.Name, ["text"] = stream.Text }, request);
                break;
            case ExecuteResultOutput result:
                Publish("execute_result", new JsonObject { ["execution_count"] = result.ExecutionCount, ["data"] = Bundle(result.Data), ["metadata"] = result.Metadata.DeepClone() }, request);
                break;
            case DisplayDataOutput display:
                Publish("display_data", new JsonObject { ["data"] = Bundle(display.Data), ["metadata"] = display.Metadata.DeepClone(), ["transient"] = new JsonObject() }, request);
                break;
            case ErrorOutput error:
                Publish("error", new JsonObject { ["ename"] = error.Ename, ["evalue"] = error.Evalue, ["traceback"] = new JsonArray(error.Traceback.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()) }, request);
                break;
        }
    }

    /// <summary>A MIME bundle as the protocol sends it: text as one string (not nbformat's list of lines), JSON as JSON.</summary>
    private static JsonObject Bundle(MimeBundle bundle)
    {
        var json = new JsonObject();
        foreach (var mime in bundle.MimeTypes)
        {
            var node = bundle.GetNode(mime);
            var isJson = mime == "application/json" || mime.EndsWith("+json", StringComparison.Ordinal);
            json[mime] = !isJson && bundle.TryGetText(mime, out var text) ? text : node?.DeepClone();
        }

        return json;
    }

    /// <summary>A cell's Console.ReadLine(): input_request on stdin, then wait for the frontend's input_reply (or an interrupt).</summary>
    private string? AskInput(JupyterMessage execute, string prompt, CancellationToken ct)
    {
        var request = JupyterMessage.Create("input_request", new JsonObject { ["prompt"] = prompt, ["password"] = false }, execute, _session);
        _stdin.SendMultipartMessage(request.Encode(_signer));
        var frames = new NetMQMessage();
        while (!ct.IsCancellationRequested)
        {
            if (!_stdin.TryReceiveMultipartMessage(Poll, ref frames))
            {
                continue;
            }

            try
            {
                var reply = JupyterMessage.Decode(frames, _signer);
                if (reply.MsgType == "input_reply")
                {
                    return (string?)reply.Content["value"] ?? "";
                }
            }
            catch (Exception e) when (e is InvalidSignatureException or FormatException or System.Text.Json.JsonException)
            {
                Log("refused a stdin message with a wrong signature or form");
            }

            frames = new NetMQMessage();
        }

        return null;
    }
}
