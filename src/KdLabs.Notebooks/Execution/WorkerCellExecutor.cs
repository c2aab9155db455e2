using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// The runner's side of the worker process (<see cref="WorkerProgram"/>): starts it with the host's own runtime and
/// dependency graph, sends it cells, and turns its messages back into outputs as they arrive. When the worker dies in
/// a cell (stack overflow, unhandled exception elsewhere, Environment.Exit) that cell gets an error output saying so;
/// when a cell must stop (cancellation, timeout), the worker is asked first and killed after <see cref="Grace"/>.
/// </summary>
internal sealed class WorkerCellExecutor(string baseDirectory, long maxStreamChars, string? host = null) : ICellExecutor
{
    /// <summary>How long a cell may take to notice its token before the worker is killed.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromSeconds(1);

    private readonly Channel<JsonObject> _events = Channel.CreateUnbounded<JsonObject>(new UnboundedChannelOptions { SingleReader = true });
    private readonly StderrTail _stderr = new();
    private Process? _process;
    private Task? _stdoutPump;
    private Task? _stderrPump;
    private Task<bool>? _pendingRead;

    /// <summary>Time from starting the process to the worker's scripting state being ready.</summary>
    public TimeSpan StartupTime { get; private set; }

    private long _peakResident;

    /// <summary>
    /// The worker's peak resident memory so far in bytes (the kernel's high-water mark, VmHWM on Linux), read while the
    /// process lives: callers read it after each cell, before the worker exits. 0 when the system does not say.
    /// </summary>
    public long PeakResidentBytes
    {
        get
        {
            try
            {
                if (_process is { HasExited: false } process)
                {
                    process.Refresh();
                    _peakResident = Math.Max(_peakResident, process.PeakWorkingSet64);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
            {
                // The worker ended between the check and the read: the last value read stands.
            }
            return _peakResident;
        }
    }

    public async Task StartAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var process = new Process { StartInfo = WorkerStartInfo(baseDirectory, host) };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            process.Dispose();
            throw new InvalidOperationException($"cannot start the notebook worker ({process.StartInfo.FileName} {string.Join(" ", process.StartInfo.ArgumentList)}): {e.Message}", e);
        }

        // Only a started process is ours to stop and dispose (DisposeAsync closes its stdin).
        _process = process;

        process.StandardInput.AutoFlush = true;
        _stdoutPump = Task.Run(PumpStdoutAsync, CancellationToken.None);
        _stderrPump = Task.Run(PumpStderrAsync, CancellationToken.None);
        await SendAsync(new JsonObject { ["op"] = "start", ["baseDirectory"] = baseDirectory }).ConfigureAwait(false);
        while (await NextAsync(Timeout.InfiniteTimeSpan, ct).ConfigureAwait(false) is { } message)
        {
            if ((string?)message["ev"] == "ready")
            {
                StartupTime = clock.Elapsed;
                return;
            }
        }

        await WaitForExitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        throw new InvalidOperationException($"the notebook worker process ended before it was ready (exit code {ExitCode()}): {_stderr.Head(20)}");
    }

    public async Task<CellResult> RunAsync(CellRequest cell, OutputCollector collector, CancellationToken ct)
    {
        _stderr.Clear(); // a crash report shows what the worker wrote during this cell
        await SendAsync(new JsonObject
        {
            ["op"] = "run",
            ["code"] = cell.Code,
            ["references"] = new JsonArray(cell.References.Select(r => (JsonNode?)JsonValue.Create(r)).ToArray()),
            ["cellPath"] = cell.CellPath,
            ["executionCount"] = cell.ExecutionCount,
            ["maxStreamChars"] = maxStreamChars,
            ["allowInput"] = collector.ReadInput is not null,
        }).ConfigureAwait(false);

        JsonObject? fatal = null;
        var cancelSent = false;
        var deadline = DateTime.MaxValue;
        while (true)
        {
            if (ct.IsCancellationRequested && !cancelSent)
            {
                cancelSent = true;
                deadline = DateTime.UtcNow + Grace;
                await TrySendAsync(new JsonObject { ["op"] = "cancel" }).ConfigureAwait(false);
            }

            var wait = cancelSent ? Max(deadline - DateTime.UtcNow, TimeSpan.Zero) : Timeout.InfiniteTimeSpan;
            JsonObject? message;
            try
            {
                message = await NextAsync(wait, cancelSent ? CancellationToken.None : ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                continue; // ct fired: ask the cell to stop, then give it the grace period
            }
            catch (TimeoutException)
            {
                // The cell ignored its token for the whole grace period: end the process that runs it.
                Kill();
                await WaitForExitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
                return new CellResult { Cancelled = true, ProcessEnded = true };
            }

            if (message is null)
            {
                await WaitForExitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
                if (_stderrPump is not null)
                {
                    await Task.WhenAny(_stderrPump, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
                }

                if (cancelSent || ct.IsCancellationRequested)
                {
                    return new CellResult { Cancelled = true, ProcessEnded = true };
                }

                var (error, line) = CrashError(fatal);
                return new CellResult { Error = error, Line = line, ProcessEnded = true };
            }

            var owner = message["cell"] is JsonValue c && c.TryGetValue<int>(out var n) ? n : cell.ExecutionCount;
            switch ((string?)message["ev"])
            {
                case "stream" when owner == cell.ExecutionCount:
                    collector.AppendStreamUncapped((string?)message["name"] ?? "stdout", (string?)message["text"] ?? "");
                    break;
                case "stray":
                    collector.AppendStream("stdout", (string?)message["text"] ?? "");
                    break;
                case "output" when owner == cell.ExecutionCount:
                    collector.Add(IpynbFormat.ParseOutput(message["output"]!.AsObject()));
                    break;
                case "input" when owner == cell.ExecutionCount:
                    var prompt = (string?)message["prompt"] ?? "";
                    var value = collector.ReadInput is { } read ? await Task.Run(() => read(prompt), CancellationToken.None).ConfigureAwait(false) : null;
                    await TrySendAsync(new JsonObject { ["op"] = "input", ["value"] = value }).ConfigureAwait(false);
                    break;
                case "fatal":
                    fatal = message;
                    break;
                case "done" when owner == cell.ExecutionCount:
                    if (message["error"] is JsonObject errorJson)
                    {
                        var (error, line) = WorkerProtocol.ReadError(errorJson);
                        return new CellResult { Error = error, Line = line };
                    }

                    var cancelled = (bool?)message["cancelled"] == true || ct.IsCancellationRequested;
                    return cancelled ? new CellResult { Cancelled = true, StillRunning = (bool?)message["stillRunning"] == true } : CellResult.Completed;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        try
        {
            process.StandardInput.Close(); // the worker exits when its stdin closes
        }
        catch (IOException)
        {
        }

        await WaitForExitAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        Kill();
        await WaitForExitAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        if (_stdoutPump is not null)
        {
            await Task.WhenAny(_stdoutPump, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        }

        if (_stderrPump is not null)
        {
            await Task.WhenAny(_stderrPump, Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        }

        process.Dispose();
    }

    /// <summary>
    /// dotnet exec with the host's runtimeconfig and deps files: the worker (KdLabs.Notebooks.dll) resolves exactly the
    /// assemblies and native libraries (libtorch) the host resolves, with no deployment of its own.
    /// </summary>
    /// <param name="workingDirectory">
    /// The notebook's folder: VS Code, Jupyter and papermill's <c>--cwd</c> (the kit's real-kernel tests) start the
    /// kernel there, so a relative path in a cell means the same file in both.
    /// </param>
    /// <param name="host">The dotnet host to start; found from this process when null (tests pass another).</param>
    internal static ProcessStartInfo WorkerStartInfo(string workingDirectory, string? host = null)
    {
        var command = HostedCommand(typeof(WorkerProgram).Assembly.Location, host);
        var info = new ProcessStartInfo(command[0], command.Skip(1).Append(WorkerProtocol.WorkerArgument))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = workingDirectory,
        };
        KdLabs.Infrastructure.ComputeEnvironment.Apply(info.Environment);
        KdLabs.Infrastructure.KdLabsPaths.PassFoldersAsFullPaths(info.Environment);
        return info;
    }

    /// <summary>
    /// The command that runs <paramref name="dll"/> (an executable library of the kit) as this process's runtime and
    /// dependency graph would: dotnet exec with the host's runtimeconfig and deps files. The kernel's tests start the
    /// kernel so, as the runner starts its worker.
    /// </summary>
    internal static List<string> HostedCommand(string dll, string? host = null)
    {
        List<string> command = [host ?? DotnetHost(), "exec"];
        // The host's own deps file comes first (the frameworks' follow, ';'-separated).
        var deps = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string)?.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        var runtimeConfig = deps is null ? null : deps[..^".deps.json".Length] + ".runtimeconfig.json";
        if (runtimeConfig is null || !File.Exists(runtimeConfig))
        {
            runtimeConfig = Path.ChangeExtension(dll, ".runtimeconfig.json");
        }

        command.Add("--runtimeconfig");
        command.Add(runtimeConfig);
        if (deps is not null && File.Exists(deps))
        {
            command.Add("--depsfile");
            command.Add(deps);
        }

        command.Add(dll);
        return command;
    }

    private static string DotnetHost()
    {
        var exe = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "dotnet.exe" : "dotnet";
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }

        if (Environment.ProcessPath is { } processPath && string.Equals(Path.GetFileName(processPath), exe, StringComparison.OrdinalIgnoreCase))
        {
            return processPath;
        }

        // <root>/shared/Microsoft.NETCore.App/<version>/ -> <root>/dotnet
        var root = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
        var candidate = Path.Combine(root, exe);
        return File.Exists(candidate) ? candidate : exe;
    }

    private async Task<JsonObject?> NextAsync(TimeSpan timeout, CancellationToken ct)
    {
        if (_events.Reader.TryRead(out var ready))
        {
            return ready;
        }

        _pendingRead ??= _events.Reader.WaitToReadAsync(CancellationToken.None).AsTask();
        if (!_pendingRead.IsCompleted)
        {
            var delay = Task.Delay(timeout, ct);
            if (await Task.WhenAny(_pendingRead, delay).ConfigureAwait(false) != _pendingRead)
            {
                ct.ThrowIfCancellationRequested();
                throw new TimeoutException();
            }
        }

        while (await _pendingRead.ConfigureAwait(false))
        {
            _pendingRead = null;
            if (_events.Reader.TryRead(out var message))
            {
                return message;
            }

            _pendingRead = _events.Reader.WaitToReadAsync(CancellationToken.None).AsTask();
        }

        return null; // the worker's stdout ended: it exited
    }

    private async Task PumpStdoutAsync()
    {
        var reader = _process!.StandardOutput;
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                JsonObject? message = null;
                if (line.StartsWith(WorkerProtocol.Prefix, StringComparison.Ordinal))
                {
                    try
                    {
                        message = JsonNode.Parse(line.AsSpan(WorkerProtocol.Prefix.Length).ToString()) as JsonObject;
                    }
                    catch (JsonException)
                    {
                        // A message cut short by a crash mid-write; what it said is lost, the crash is reported.
                        continue;
                    }
                }

                _events.Writer.TryWrite(message ?? new JsonObject { ["ev"] = "stray", ["text"] = line + "\n" });
            }
        }
        finally
        {
            _events.Writer.TryComplete();
        }
    }

    private async Task PumpStderrAsync()
    {
        var reader = _process!.StandardError;
        var buffer = new char[8192];
        int read;
        while ((read = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            _stderr.Append(buffer.AsSpan(0, read));
        }
    }

    private async Task SendAsync(JsonObject message)
    {
        await _process!.StandardInput.WriteLineAsync(message.ToJsonString()).ConfigureAwait(false);
    }

    private async Task TrySendAsync(JsonObject message)
    {
        try
        {
            await SendAsync(message).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Already gone; the next read sees the end of its output.
        }
    }

    private (ErrorOutput Error, int? Line) CrashError(JsonObject? fatal)
    {
        var code = ExitCode();
        const string after = "outputs up to here are kept; later cells did not run";
        if (fatal is not null)
        {
            var (error, line) = WorkerProtocol.ReadError(fatal["error"]);
            var traceback = error.Traceback.Append($"(unhandled outside the cell's own flow, on another thread or from async void: it ended the notebook's process; {after})").ToList();
            return (new ErrorOutput(error.Ename, error.Evalue, traceback), line);
        }

        var stderr = _stderr.Head(60);
        if (stderr.Contains("Stack overflow", StringComparison.Ordinal))
        {
            return (new ErrorOutput(
                "System.StackOverflowException",
                $"the cell overflowed the stack (endless recursion?); .NET cannot catch that, so it ended the notebook's process; {after}",
                stderr.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList()), null);
        }

        var how = code switch
        {
            null => "",
            >= 128 when !RuntimeInformation.IsOSPlatform(OSPlatform.Windows) => $" (killed by signal {code - 128})",
            _ => $" with exit code {code} (Environment.Exit in the cell?)",
        };
        var lines = stderr.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        return (new ErrorOutput("WorkerExited", $"the notebook's process ended during this cell{how}; {after}", lines), null);
    }

    private int? ExitCode()
    {
        try
        {
            return _process is { HasExited: true } p ? p.ExitCode : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private async Task WaitForExitAsync(TimeSpan timeout)
    {
        if (_process is not { } process)
        {
            return;
        }

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException)
        {
        }
    }

    private void Kill()
    {
        try
        {
            if (_process is { HasExited: false } p)
            {
                p.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Exited meanwhile.
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>The first 64 K characters the worker wrote to stderr (a stack overflow's trace starts with what matters).</summary>
    private sealed class StderrTail
    {
        private const int Limit = 64 * 1024;
        private readonly StringBuilder _text = new();
        private readonly Lock _lock = new();

        public void Append(ReadOnlySpan<char> chunk)
        {
            lock (_lock)
            {
                if (_text.Length < Limit)
                {
                    _text.Append(chunk[..Math.Min(chunk.Length, Limit - _text.Length)]);
                }
            }
        }

        public void Clear()
        {
            lock (_lock)
            {
                _text.Clear();
            }
        }

        public string Head(int lines)
        {
            lock (_lock)
            {
                return string.Join('\n', _text.ToString().Split('\n').Take(lines));
            }
        }
    }
}
