using System.Diagnostics;
using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Notebooks.Format;
using KdLabs.Notebooks.Parameters;
using KdLabs.Notebooks.Rendering;

namespace KdLabs.Notebooks.Execution;

/// <summary>
/// Runs every *.ipynb in a folder in name order, writes each executed notebook and its HTML page into an output
/// folder plus an index.html. Keeps going after a failure; the overall status is Failed if any notebook failed.
/// </summary>
public static class CourseRunner
{
    /// <summary>Runs the course.</summary>
    /// <param name="notebooksDirectory">Folder with the notebooks (not searched recursively).</param>
    /// <param name="outputDirectory">Receives &lt;name&gt;.ipynb, &lt;name&gt;.html and index.html.</param>
    /// <param name="parameters">
    /// Parameters for all notebooks. Each notebook receives the ones its parameters cell declares; a name that no
    /// notebook declares is an error (before anything runs), so typos are not silently ignored.
    /// </param>
    /// <param name="log">Progress lines.</param>
    /// <param name="ct">Stops the run; notebooks not yet started are not run.</param>
    /// <param name="limits">Cell and notebook timeouts for every notebook; when null, <see cref="NotebookRunRequest.DefaultCellTimeout"/> per cell and none for the notebook.</param>
    /// <param name="starting">Called with each notebook's path just before it runs (a timing run measures around it).</param>
    /// <param name="finished">Called with each notebook's result as soon as it ends.</param>
    /// <exception cref="ParameterException">A parameter no notebook declares, or a value of the wrong type.</exception>
    public static async Task<CourseRunResult> RunAsync(
        string notebooksDirectory,
        string outputDirectory,
        IReadOnlyDictionary<string, string> parameters,
        Action<string>? log,
        CancellationToken ct,
        NotebookLimits? limits = null,
        Action<string>? starting = null,
        Action<NotebookRunResult>? finished = null)
    {
        var clock = Stopwatch.StartNew();
        var files = Directory.GetFiles(notebooksDirectory, "*.ipynb")
            .Order(StringComparer.Ordinal)
            .ToList();
        if (string.Equals(Path.GetFullPath(notebooksDirectory).TrimEnd('/', '\\'), Path.GetFullPath(outputDirectory).TrimEnd('/', '\\'), StringComparison.Ordinal))
        {
            throw new ArgumentException("the output folder must differ from the notebooks folder");
        }

        // Validate everything up front: which notebook gets which parameters, and that every value parses.
        var perNotebook = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        var declaredAnywhere = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var notebook = NotebookFile.Load(file);
            var declared = ParameterCell.Read(notebook);
            declaredAnywhere.UnionWith(declared.Select(p => p.Name));
            var mine = parameters.Where(p => declared.Any(d => d.Name == p.Key)).ToDictionary(p => p.Key, p => p.Value);
            ParameterBinder.Bind(declared, mine, file);
            perNotebook[file] = mine;
        }

        var unknown = parameters.Keys.Where(k => !declaredAnywhere.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new ParameterException(
                $"unknown parameter{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(u => $"'{u}'"))}: no notebook in {notebooksDirectory} declares {(unknown.Count > 1 ? "them" : "it")}; declared: {(declaredAnywhere.Count == 0 ? "none" : string.Join(", ", declaredAnywhere.Order(StringComparer.Ordinal)))}");
        }

        // Checked and locked before the first notebook: an unwritable --out fails now, and two courses into one folder do not mix.
        using var folder = OutputFolder.Acquire(outputDirectory, "course", Path.Combine(Path.GetFullPath(outputDirectory), "index.html"));
        var runner = new NotebookRunner();
        var results = new List<NotebookRunResult>();
        var entries = new List<CourseIndexEntry>();
        foreach (var file in files)
        {
            if (ct.IsCancellationRequested)
            {
                break;
            }

            var request = new NotebookRunRequest
            {
                NotebookPath = file,
                OutputDirectory = outputDirectory,
                Parameters = perNotebook[file],
                Log = log,
                CellTimeout = limits is null ? NotebookRunRequest.DefaultCellTimeout : limits.CellTimeout,
                Timeout = limits?.Timeout,
            };
            starting?.Invoke(file);
            NotebookRunResult result;
            try
            {
                result = await runner.RunAsync(request, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is FormatException or IOException or ParameterException)
            {
                // One unreadable notebook must not stop the course; it shows up as failed in the index.
                log?.Invoke($"{file}: failed: {e.Message}");
                result = new NotebookRunResult
                {
                    NotebookPath = file,
                    Status = RunStatus.Failed,
                    ExecutedNotebookPath = "",
                    HtmlPath = "",
                    Duration = TimeSpan.Zero,
                    Error = new NotebookError(file, 0, 0, null, e.GetType().Name, e.Message),
                };
            }

            finished?.Invoke(result);
            results.Add(result);
            entries.Add(new CourseIndexEntry(Path.GetFileNameWithoutExtension(file), result));
        }

        clock.Stop();
        var indexPath = Path.Combine(Path.GetFullPath(outputDirectory), "index.html");
        var course = new CourseRunResult { Notebooks = results, IndexPath = indexPath, Duration = clock.Elapsed };
        AtomicFile.WriteAllText(indexPath, CourseIndexRenderer.Render(Path.GetFileName(Path.GetFullPath(notebooksDirectory).TrimEnd('/', '\\')), entries, course.Status, clock.Elapsed));
        log?.Invoke($"course: {course.Status.ToString().ToLowerInvariant()} ({results.Count(r => r.Succeeded)}/{files.Count} notebooks succeeded) in {NotebookHtmlRenderer.FormatDuration(clock.Elapsed)}; index: {indexPath}");
        return course;
    }
}
