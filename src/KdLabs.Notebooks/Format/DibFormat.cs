using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace KdLabs.Notebooks.Format;

/// <summary>
/// Reads Polyglot's .dib format: plain text where a line "#!csharp", "#!markdown" (or another kernel name or alias)
/// starts a cell, and an optional "#!meta" block holds the notebook metadata as JSON (with "kernelInfo").
/// </summary>
public static class DibFormat
{
    private const string Prefix = "#!";

    /// <summary>Parses .dib text into a notebook with Polyglot's C# metadata.</summary>
    public static Notebook Parse(string text)
    {
        var lines = JupyterLines.SplitPlain(text);
        var notebook = Notebook.CreateCSharp();
        var kernelNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "csharp", "c#", "cs", "markdown", "md", "fsharp", "f#", "fs", "pwsh", "powershell",
            "javascript", "js", "html", "sql", "kql", "mermaid", "http", "value",
        };

        string? currentKernel = null;
        var current = new List<string>();
        var foundMeta = false;

        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (!foundMeta && line.TrimEnd() == "#!meta")
            {
                foundMeta = true;
                Flush();
                var json = new StringBuilder();
                while (i + 1 < lines.Length && !lines[i + 1].StartsWith(Prefix, StringComparison.Ordinal))
                {
                    json.AppendLine(lines[++i]);
                }

                ApplyMeta(notebook, json.ToString(), kernelNames);
                currentKernel = null;
                continue;
            }

            if (line.StartsWith(Prefix, StringComparison.Ordinal) && kernelNames.Contains(line[Prefix.Length..].TrimEnd()))
            {
                Flush();
                currentKernel = PolyglotMetadata.NormalizeKernelName(line[Prefix.Length..].TrimEnd());
                continue;
            }

            current.Add(line);
        }

        Flush();
        return notebook;

        void Flush()
        {
            // Polyglot trims blank lines around each cell; the cell's text is what sits between them.
            var start = current.FindIndex(l => l.Length > 0);
            var end = current.FindLastIndex(l => l.Length > 0);
            if (start >= 0)
            {
                var body = string.Join("\n", current.Skip(start).Take(end - start + 1));
                var kernel = currentKernel ?? PolyglotMetadata.NormalizeKernelName(notebook.DefaultKernelName);
                notebook.Cells.Add(kernel switch
                {
                    "markdown" => NotebookCell.Markdown(body),
                    "csharp" => NotebookCell.CSharp(body),
                    _ => new NotebookCell(CellType.Code, body)
                    {
                        Metadata = new JsonObject
                        {
                            ["dotnet_interactive"] = new JsonObject { ["language"] = kernel },
                            ["polyglot_notebook"] = new JsonObject { ["kernelName"] = kernel },
                        },
                    },
                });
            }

            current.Clear();
        }
    }

    private static void ApplyMeta(Notebook notebook, string json, HashSet<string> kernelNames)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return;
        }

        JsonObject meta;
        try
        {
            meta = JsonNode.Parse(json) as JsonObject ?? throw new FormatException("#!meta must hold a JSON object");
        }
        catch (JsonException e)
        {
            throw new FormatException($"#!meta block is not valid JSON: {e.Message}", e);
        }

        foreach (var (key, value) in meta)
        {
            if (key == "kernelInfo" && value is not JsonObject)
            {
                throw new FormatException("#!meta: \"kernelInfo\" must be an object (Polyglot writes {\"kernelInfo\": {\"defaultKernelName\": \"csharp\", \"items\": [...]}})");
            }

            if (key == "kernelInfo" && value is JsonObject kernelInfo)
            {
                // .dib keeps kernel info at "kernelInfo"; .ipynb keeps it at "polyglot_notebook.kernelInfo".
                ((JsonObject)notebook.Metadata["polyglot_notebook"]!)["kernelInfo"] = kernelInfo.DeepClone();
                if (kernelInfo["items"] is JsonArray items)
                {
                    foreach (var item in items.OfType<JsonObject>())
                    {
                        if ((string?)item["name"] is { } name)
                        {
                            kernelNames.Add(name);
                        }

                        if (item["aliases"] is JsonArray aliases)
                        {
                            foreach (var alias in aliases)
                            {
                                if ((string?)alias is { } a)
                                {
                                    kernelNames.Add(a);
                                }
                            }
                        }
                    }
                }
            }
            else
            {
                notebook.Metadata[key] = value?.DeepClone();
            }
        }
    }

    /// <summary>Reads a .dib file.</summary>
    public static Notebook Read(string path) => Parse(File.ReadAllText(path, Encoding.UTF8));
}
