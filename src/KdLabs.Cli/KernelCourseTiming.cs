using System.Diagnostics;
using System.Globalization;

namespace KdLabs.Cli;

/// <summary>
/// <c>kdlabs course --time --kernel NAME</c>: every lesson run as a learner's Jupyter frontend runs it, by papermill on an
/// installed kernel (the .NET Interactive kernel <c>.net-csharp</c>, or the kit's own <c>kdlabs-csharp</c>), timed
/// from papermill's start to its exit (kernel start and package restore included), with the kernel's peak resident
/// memory. The table goes between its own markers of docs/benchmarks.md, beside the kit's runner's.
/// </summary>
internal static class KernelCourseTiming
{
    /// <summary>The markers of the kernel table: one section per page, whichever kernel ran last.</summary>
    public const string StartMarker = "<!-- course-time-kernel:start -->";

    /// <summary>The end marker of the kernel table.</summary>
    public const string EndMarker = "<!-- course-time-kernel:end -->";

    /// <summary>Runs every lesson of <paramref name="notebooks"/> in name order on <paramref name="kernel"/>; writes the table; returns the rows.</summary>
    public static async Task<IReadOnlyList<LessonTiming>> RunAsync(string notebooks, string output, string kernel,
        IReadOnlyDictionary<string, string> parameters, TimeSpan? timeout, string benchmarksPath, string command, Action<string> log, CancellationToken ct)
    {
        CourseTiming.RequirePage(benchmarksPath);
        string papermill = Papermill();
        var started = DateTimeOffset.UtcNow;
        string loadBefore = CourseTiming.LoadAverage();
        Directory.CreateDirectory(output);
        var rows = new List<LessonTiming>();
        foreach (string lesson in Directory.GetFiles(notebooks, "*.ipynb").Order(StringComparer.Ordinal))
        {
            ct.ThrowIfCancellationRequested();
            string name = Path.GetFileNameWithoutExtension(lesson);
            string executed = Path.Combine(Path.GetFullPath(output), name + ".ipynb");
            log($"{name}: papermill on {kernel}...");
            var (status, wall, peak) = await RunOneAsync(papermill, Arguments(lesson, executed, kernel, notebooks, parameters, timeout),
                Path.Combine(Path.GetFullPath(output), name + ".log"), ct).ConfigureAwait(false);
            var row = new LessonTiming(name, status, wall, peak,
                File.Exists(executed) ? CourseTiming.TeacherUse(CourseTiming.StreamText(executed)) : "—");
            log($"{name}: {status.ToString().ToLowerInvariant()} in {wall.TotalSeconds:0.0} s");
            rows.Add(row);
        }
        string where = $"papermill on the kernel `{kernel}` (kernel start and package restore included; peak memory is the kernel process's)";
        CourseTiming.WriteSection(benchmarksPath, CourseTiming.Section(rows, started, command, CourseTiming.CpuModel(), Environment.ProcessorCount,
            loadBefore, CourseTiming.LoadAverage(), where), StartMarker, EndMarker, "Course run times on a Jupyter kernel");
        return rows;
    }

    /// <summary>
    /// papermill's arguments: <c>-l .net-csharp</c> because papermill picks its C# parameter syntax by kernel name and
    /// knows that one; parameters as papermill parses them (true/false as True/False, numbers as numbers).
    /// </summary>
    internal static List<string> Arguments(string lesson, string executed, string kernel, string notebooks,
        IReadOnlyDictionary<string, string> parameters, TimeSpan? timeout)
    {
        List<string> args = [lesson, executed, "-k", kernel, "-l", ".net-csharp", "--cwd", notebooks, "--no-progress-bar", "--log-output"];
        foreach (var (name, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            string v = value.Trim();
            args.AddRange(["-p", name, v.Equals("true", StringComparison.OrdinalIgnoreCase) ? "True" : v.Equals("false", StringComparison.OrdinalIgnoreCase) ? "False" : v]);
        }
        if (timeout is { } t)
        {
            args.AddRange(["--execution-timeout", ((int)Math.Ceiling(t.TotalSeconds)).ToString(CultureInfo.InvariantCulture)]);
        }
        return args;
    }

    private static async Task<(Notebooks.Execution.RunStatus Status, TimeSpan Wall, long? Peak)> RunOneAsync(string papermill, List<string> args, string logPath, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(papermill, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        // Frontends add the kernelspec's env; what papermill itself is started with must not stand in for it.
        foreach (string name in Infrastructure.ComputeEnvironment.Variables.Keys)
        {
            psi.Environment.Remove(name);
        }
        psi.Environment["PYDEVD_DISABLE_FILE_VALIDATION"] = "1";
        // The .net-csharp kernelspec starts `dotnet interactive`, a .NET tool: on PATH where a login shell would have it.
        string tools = Environment.GetEnvironmentVariable("DOTNET_TOOLS_DIR") is { Length: > 0 } t
            ? t : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools");
        psi.Environment["PATH"] = $"{psi.Environment["PATH"]}{Path.PathSeparator}{tools}";
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {papermill}");
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        long peak = 0;
        using (ct.Register(() => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }))
        {
            while (!process.HasExited)
            {
                peak = Math.Max(peak, TreePeakBytes(process.Id));
                await Task.WhenAny(process.WaitForExitAsync(ct), Task.Delay(500, ct)).ConfigureAwait(false);
            }
            await process.WaitForExitAsync(ct).ConfigureAwait(false);
        }
        clock.Stop();
        Infrastructure.AtomicFile.WriteAllText(logPath, await stdout.ConfigureAwait(false) + await stderr.ConfigureAwait(false));
        var status = process.ExitCode == 0 ? Notebooks.Execution.RunStatus.Succeeded : Notebooks.Execution.RunStatus.Failed;
        return (status, clock.Elapsed, peak > 0 ? peak : null);
    }

    /// <summary>The largest resident high-water mark (VmHWM, .NET's PeakWorkingSet64) among <paramref name="root"/>'s descendants and itself; 0 off Linux.</summary>
    internal static long TreePeakBytes(int root)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }
        var children = new Dictionary<int, List<int>>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out int pid) && ParentOf(pid) is { } parent)
            {
                (children.TryGetValue(parent, out var list) ? list : children[parent] = []).Add(pid);
            }
        }
        long peak = 0;
        var stack = new Stack<int>([root]);
        while (stack.Count > 0)
        {
            int pid = stack.Pop();
            peak = Math.Max(peak, HighWaterMark(pid));
            foreach (int child in children.GetValueOrDefault(pid) ?? [])
            {
                stack.Push(child);
            }
        }
        return peak;
    }

    private static int? ParentOf(int pid)
    {
        try
        {
            // /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so read after the last ')'.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.Parse(rest[1], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    // What the kit's runner reads for its worker: .NET's PeakWorkingSet64 is the kernel's VmHWM on Linux.
    private static long HighWaterMark(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.PeakWorkingSet64;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return 0; // gone since the listing
        }
    }

    private static string Papermill()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "papermill");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new Infrastructure.UserErrorException("--kernel: papermill is not on PATH; scripts/setup-kernel.sh installs it (Debian's python3-papermill).");
    }
}
