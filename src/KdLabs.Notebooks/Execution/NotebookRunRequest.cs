using KdLabs.Notebooks.Formatting;

namespace KdLabs.Notebooks.Execution;

/// <summary>What to run and where to write the results.</summary>
public sealed class NotebookRunRequest
{
    /// <summary>The .ipynb or .dib to run; also the base folder for <c>#r "path.dll"</c>.</summary>
    public required string NotebookPath { get; init; }

    /// <summary>Folder that receives <c>&lt;name&gt;.ipynb</c> (executed) and <c>&lt;name&gt;.html</c>; created if missing.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>papermill-style <c>-p name=value</c> pairs for the cell tagged "parameters".</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Receives progress lines such as "cell 3/12 ok 1.2 s".</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Formatters for displayed values; the kit's defaults when null. Custom formatters need <see cref="NotebookIsolation.InProcess"/>.</summary>
    public FormatterRegistry? Formatters { get; init; }

    /// <summary>Where the cells run; a worker process by default (see <see cref="NotebookIsolation"/>).</summary>
    public NotebookIsolation Isolation { get; init; } = NotebookIsolation.Worker;

    /// <summary>
    /// The cell timeout when none is given: one hour, ten times the longest cell of a full lesson, so that a cell that
    /// hangs (waiting on something that never comes) ends a headless run instead of holding it forever.
    /// </summary>
    public static readonly TimeSpan DefaultCellTimeout = TimeSpan.FromHours(1);

    /// <summary>Longest a single cell may run; the cell is then stopped with an error output. Null: no limit. Default: <see cref="DefaultCellTimeout"/>.</summary>
    public TimeSpan? CellTimeout { get; init; } = DefaultCellTimeout;

    /// <summary>Longest the whole notebook may run; the running cell is then stopped with an error output. Null: no limit.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Most stream characters (stdout plus stderr) kept per cell, then a "output truncated" note; 0 keeps all.</summary>
    public long MaxCellOutputChars { get; init; } = OutputCollector.DefaultMaxStreamChars;

    /// <summary>How often the executed notebook is rewritten with the outputs of a cell that is still running (a training run's progress).</summary>
    internal TimeSpan LiveSaveInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The dotnet host that starts the worker process; found from this process when null. For tests.</summary>
    internal string? WorkerHost { get; init; }
}
