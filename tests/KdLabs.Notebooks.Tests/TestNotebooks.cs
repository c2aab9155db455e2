using System.Text.Json.Nodes;
using KdLabs.Notebooks.Execution;
using KdLabs.Notebooks.Format;

namespace KdLabs.Notebooks.Tests;

/// <summary>Builds small notebooks on disk and runs them.</summary>
internal static class TestNotebooks
{
    /// <summary>Writes a C# notebook; cells starting with "md:" are markdown, "params:" a parameters cell.</summary>
    public static string Write(TempDirectory dir, string name, params string[] cells)
    {
        var notebook = Notebook.CreateCSharp();
        foreach (var source in cells)
        {
            if (source.StartsWith("md:", StringComparison.Ordinal))
            {
                notebook.Cells.Add(NotebookCell.Markdown(source[3..]));
            }
            else if (source.StartsWith("params:", StringComparison.Ordinal))
            {
                var cell = NotebookCell.CSharp(source[7..]);
                cell.Metadata["tags"] = new JsonArray("parameters");
                notebook.Cells.Add(cell);
            }
            else
            {
                notebook.Cells.Add(NotebookCell.CSharp(source));
            }
        }

        var path = dir.File(name);
        IpynbFormat.Write(notebook, path);
        return path;
    }

    public static Task<NotebookRunResult> Run(TempDirectory dir, string notebookPath, IReadOnlyDictionary<string, string>? parameters = null, CancellationToken ct = default) =>
        new NotebookRunner().RunAsync(new NotebookRunRequest
        {
            NotebookPath = notebookPath,
            OutputDirectory = dir.File("out"),
            Parameters = parameters ?? new Dictionary<string, string>(),
        }, ct);

    public static Task<(NotebookRunResult Result, Notebook Executed)> RunCells(TempDirectory dir, params string[] cells) =>
        RunCellsWith(dir, null, cells);

    public static async Task<(NotebookRunResult Result, Notebook Executed)> RunCellsWith(TempDirectory dir, IReadOnlyDictionary<string, string>? parameters, params string[] cells)
    {
        var path = Write(dir, "nb.ipynb", cells);
        var result = await Run(dir, path, parameters);
        return (result, IpynbFormat.Read(result.ExecutedNotebookPath));
    }

    public static string Text(NotebookOutput output, string mime = "text/plain") => output switch
    {
        StreamOutput s => s.Text,
        DisplayDataOutput d => d.Data.GetText(mime) ?? throw new Xunit.Sdk.XunitException($"no {mime} in output"),
        ErrorOutput e => e.Evalue,
        _ => "",
    };
}
