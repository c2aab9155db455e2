using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;
using KdLabs.Data;
using KdLabs.Infrastructure;

namespace KdLabs.Notebooks.Format;

/// <summary>
/// Reads and writes nbformat 4 .ipynb files the way Jupyter and VS Code do: one-space indentation, keys sorted,
/// multi-line strings as lists of lines, UTF-8 without BOM, a trailing newline.
/// </summary>
public static class IpynbFormat
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        IndentSize = 1,
        NewLine = "\n",
        // Jupyter writes "<" and non-ASCII as is; the default encoder would turn HTML outputs into \u003C soup.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly HashSet<string> KnownCellKeys =
        ["cell_type", "source", "metadata", "outputs", "execution_count", "id"];

    /// <summary>Parses .ipynb JSON.</summary>
    /// <exception cref="FormatException">The text is not an nbformat 4 notebook.</exception>
    public static Notebook Parse(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new FormatException($"not valid JSON: {e.Message}", e);
        }

        if (root is not JsonObject obj)
        {
            throw new FormatException("an .ipynb file must hold a JSON object");
        }

        var notebook = new Notebook();
        foreach (var (key, value) in obj)
        {
            switch (key)
            {
                case "cells":
                    break;
                case "metadata":
                    notebook.Metadata = value is JsonObject m ? (JsonObject)m.DeepClone() : throw Invalid($"\"metadata\" must be an object, found {Kind(value)}");
                    break;
                case "nbformat":
                    notebook.Nbformat = WholeNumber(value) ?? throw Invalid($"\"nbformat\" must be the number 4, found {Kind(value)}{Shown(value)}");
                    break;
                case "nbformat_minor":
                    notebook.NbformatMinor = WholeNumber(value) ?? throw Invalid($"\"nbformat_minor\" must be a whole number, found {Kind(value)}{Shown(value)}");
                    break;
                default:
                    notebook.Extra[key] = value?.DeepClone();
                    break;
            }
        }

        if (notebook.Nbformat != 4)
        {
            throw new FormatException($"nbformat {notebook.Nbformat} is not supported (only nbformat 4)");
        }

        if (!obj.TryGetPropertyValue("cells", out var cellsNode))
        {
            throw Invalid("no \"cells\" list (an nbformat 4 notebook keeps its cells in \"cells\": [...])");
        }

        if (cellsNode is not JsonArray cells)
        {
            throw Invalid($"\"cells\" must be a list of cells, found {Kind(cellsNode)}");
        }

        for (var i = 0; i < cells.Count; i++)
        {
            var where = $"cells[{i}] (cell {i + 1})";
            if (cells[i] is not JsonObject cell)
            {
                throw Invalid($"{where} must be an object, found {Kind(cells[i])}");
            }

            notebook.Cells.Add(ParseCell(cell, where));
        }

        return notebook;
    }

    /// <summary>A malformed-notebook error: what is wrong, then how to fix it (the file name is added by <see cref="NotebookFile"/>).</summary>
    private static FormatException Invalid(string problem) =>
        new($"{problem}; fix the notebook's JSON, or open and save it again in Jupyter or VS Code");

    private static string Kind(JsonNode? node) => node?.GetValueKind() switch
    {
        null or JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => "true/false",
    };

    private static string Shown(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() is JsonValueKind.String or JsonValueKind.Number ? $" ({node.ToJsonString()})" : "";

    private static int? WholeNumber(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var n) ? n : null;

    private static NotebookCell ParseCell(JsonObject json, string where)
    {
        var type = json["cell_type"] switch
        {
            null => throw Invalid($"{where}: \"cell_type\" is missing (code, markdown or raw)"),
            JsonValue v when v.GetValueKind() == JsonValueKind.String => (string)v! switch
            {
                "code" => CellType.Code,
                "markdown" => CellType.Markdown,
                "raw" => CellType.Raw,
                var other => throw Invalid($"{where}: \"cell_type\" '{other}' is not code, markdown or raw"),
            },
            var other => throw Invalid($"{where}: \"cell_type\" must be a string (code, markdown or raw), found {Kind(other)}"),
        };

        if (json.TryGetPropertyValue("metadata", out var metadata) && metadata is not JsonObject)
        {
            throw Invalid($"{where}: \"metadata\" must be an object, found {Kind(metadata)}");
        }

        if (json.TryGetPropertyValue("execution_count", out var count) && count is not null && WholeNumber(count) is null)
        {
            throw Invalid($"{where}: \"execution_count\" must be a whole number or null, found {Kind(count)}{Shown(count)}");
        }

        var cell = new NotebookCell(type, ReadMultiline(json, "source", where))
        {
            Id = json["id"] is JsonValue id && id.TryGetValue<string>(out var s) ? s : null,
            Metadata = metadata is JsonObject m ? (JsonObject)m.DeepClone() : [],
            ExecutionCount = WholeNumber(count),
        };

        if (json.TryGetPropertyValue("outputs", out var outputsNode) && outputsNode is not null)
        {
            if (outputsNode is not JsonArray outputs)
            {
                throw Invalid($"{where}: \"outputs\" must be a list, found {Kind(outputsNode)}");
            }

            for (var j = 0; j < outputs.Count; j++)
            {
                if (outputs[j] is not JsonObject o)
                {
                    throw Invalid($"{where}: outputs[{j}] must be an object, found {Kind(outputs[j])}");
                }

                if (o["output_type"] is not JsonValue outputType || outputType.GetValueKind() != JsonValueKind.String)
                {
                    throw Invalid($"{where}: outputs[{j}]: \"output_type\" must be a string (stream, display_data, execute_result or error), found {Kind(o["output_type"])}");
                }

                if ((string?)outputType == "stream")
                {
                    _ = ReadMultiline(o, "text", $"{where}: outputs[{j}]");
                }

                cell.Outputs.Add(ParseOutput(o));
            }
        }

        foreach (var (key, value) in json)
        {
            if (!KnownCellKeys.Contains(key))
            {
                cell.Extra[key] = value?.DeepClone();
            }
        }

        return cell;
    }

    /// <summary>A multi-line string field: a string or a list of strings (missing or null reads as empty).</summary>
    private static string ReadMultiline(JsonObject json, string field, string where) => json[field] switch
    {
        null => "",
        JsonArray a when a.All(n => n is JsonValue v && v.GetValueKind() == JsonValueKind.String) => string.Concat(a.Select(n => (string)n!)),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => (string)v!,
        var other => throw Invalid($"{where}: \"{field}\" must be a string or a list of strings, found {(other is JsonArray ? "a list with non-strings" : Kind(other))}"),
    };

    /// <summary>One output from its nbformat JSON (also the worker protocol's output shape).</summary>
    internal static NotebookOutput ParseOutput(JsonObject json)
    {
        switch ((string?)json["output_type"])
        {
            case "stream":
                return new StreamOutput((string?)json["name"] ?? "stdout", ReadMultiline(json["text"]));
            case "display_data":
            {
                var output = new DisplayDataOutput(ParseBundle(json["data"]));
                output.Metadata = json["metadata"] is JsonObject m ? (JsonObject)m.DeepClone() : [];
                return output;
            }

            case "execute_result":
            {
                var count = json["execution_count"] is JsonValue ec && ec.TryGetValue<int>(out var n) ? n : 0;
                var output = new ExecuteResultOutput(ParseBundle(json["data"]), count);
                output.Metadata = json["metadata"] is JsonObject m ? (JsonObject)m.DeepClone() : [];
                return output;
            }

            case "error":
                return new ErrorOutput(
                    (string?)json["ename"] ?? "",
                    (string?)json["evalue"] ?? "",
                    json["traceback"] is JsonArray tb ? tb.Select(t => (string?)t ?? "").ToList() : []);
            default:
                return new RawOutput((JsonObject)json.DeepClone());
        }
    }

    private static MimeBundle ParseBundle(JsonNode? node)
    {
        var bundle = new MimeBundle();
        if (node is JsonObject data)
        {
            foreach (var (mime, value) in data)
            {
                bundle.SetNode(mime, value?.DeepClone());
            }
        }

        return bundle;
    }

    private static string ReadMultiline(JsonNode? node) => node switch
    {
        JsonArray a => string.Concat(a.Select(n => (string?)n ?? "")),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => "",
    };

    /// <summary>Serializes a notebook to .ipynb JSON text.</summary>
    public static string Serialize(Notebook notebook)
    {
        var root = new JsonObject
        {
            ["cells"] = new JsonArray(notebook.Cells.Select(CellToJson).ToArray<JsonNode?>()),
            ["metadata"] = notebook.Metadata.DeepClone(),
            ["nbformat"] = notebook.Nbformat,
            ["nbformat_minor"] = notebook.NbformatMinor,
        };
        foreach (var (key, value) in notebook.Extra)
        {
            root[key] = value?.DeepClone();
        }

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, WriterOptions))
        {
            WriteSorted(writer, root);
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static JsonObject CellToJson(NotebookCell cell)
    {
        var json = new JsonObject
        {
            ["cell_type"] = cell.CellType switch
            {
                CellType.Code => "code",
                CellType.Markdown => "markdown",
                _ => "raw",
            },
            ["metadata"] = cell.Metadata.DeepClone(),
            ["source"] = Lines(cell.Source),
        };

        if (cell.Id is not null)
        {
            json["id"] = cell.Id;
        }

        if (cell.CellType == CellType.Code)
        {
            json["execution_count"] = cell.ExecutionCount is { } n ? JsonValue.Create(n) : null;
            json["outputs"] = new JsonArray(cell.Outputs.Select(OutputToJson).ToArray<JsonNode?>());
        }

        foreach (var (key, value) in cell.Extra)
        {
            json[key] = value?.DeepClone();
        }

        return json;
    }

    /// <summary>One output as nbformat JSON.</summary>
    internal static JsonObject OutputToJson(NotebookOutput output)
    {
        switch (output)
        {
            case StreamOutput s:
                return new JsonObject { ["name"] = s.Name, ["output_type"] = "stream", ["text"] = Lines(s.Text) };
            case ExecuteResultOutput r:
                return new JsonObject
                {
                    ["data"] = BundleToJson(r.Data),
                    ["execution_count"] = r.ExecutionCount,
                    ["metadata"] = r.Metadata.DeepClone(),
                    ["output_type"] = "execute_result",
                };
            case DisplayDataOutput d:
                return new JsonObject
                {
                    ["data"] = BundleToJson(d.Data),
                    ["metadata"] = d.Metadata.DeepClone(),
                    ["output_type"] = "display_data",
                };
            case ErrorOutput e:
                return new JsonObject
                {
                    ["ename"] = e.Ename,
                    ["evalue"] = e.Evalue,
                    ["output_type"] = "error",
                    ["traceback"] = new JsonArray(e.Traceback.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
                };
            case RawOutput raw:
                return (JsonObject)raw.Json.DeepClone();
            default:
                throw new ArgumentOutOfRangeException(nameof(output), output.GetType().Name, "unknown output kind");
        }
    }

    private static JsonObject BundleToJson(MimeBundle bundle)
    {
        var json = new JsonObject();
        foreach (var (mime, value) in bundle.Entries)
        {
            // Text values go out as lists of lines like Jupyter writes them; JSON payloads stay as they are.
            json[mime] = value is JsonValue v && v.TryGetValue<string>(out var text) && !IsJsonMime(mime)
                ? Lines(text)
                : value?.DeepClone();
        }

        return json;
    }

    private static bool IsJsonMime(string mime) => mime == "application/json" || mime.EndsWith("+json", StringComparison.Ordinal);

    private static JsonArray Lines(string text) =>
        new(JupyterLines.Split(text).Select(l => (JsonNode?)JsonValue.Create(l)).ToArray());

    // Jupyter (nbformat) and VS Code both sort keys; doing the same keeps diffs of kit-written notebooks small.
    private static void WriteSorted(Utf8JsonWriter writer, JsonNode? node)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    WriteSorted(writer, value);
                }

                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array)
                {
                    WriteSorted(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }

    /// <summary>Reads an .ipynb file.</summary>
    public static Notebook Read(string path) => Parse(File.ReadAllText(path, Encoding.UTF8));

    /// <summary>Writes an .ipynb file atomically (temp file in the same folder, then rename).</summary>
    public static void Write(Notebook notebook, string path) => AtomicFile.WriteAllText(path, Serialize(notebook));
}
