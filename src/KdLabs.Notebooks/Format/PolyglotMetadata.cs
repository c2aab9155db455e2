using System.Text.Json.Nodes;

namespace KdLabs.Notebooks.Format;

/// <summary>
/// The metadata Polyglot Notebooks (VS Code) writes into a C# notebook. Values follow the files VS Code saves:
/// kernelspec ".net-csharp", language_info "polyglot-notebook" and the polyglot_notebook kernel info.
/// </summary>
public static class PolyglotMetadata
{
    /// <summary>The kernel name of C# cells.</summary>
    public const string CSharpKernel = "csharp";

    /// <summary>Notebook metadata for a new C# notebook.</summary>
    public static JsonObject NotebookMetadata()
    {
        var metadata = new JsonObject();
        EnsureNotebookMetadata(metadata);
        return metadata;
    }

    /// <summary>Adds the kernelspec, language_info and polyglot_notebook entries that are missing; keeps the rest.</summary>
    public static void EnsureNotebookMetadata(JsonObject metadata)
    {
        if (metadata["kernelspec"] is not JsonObject)
        {
            metadata["kernelspec"] = new JsonObject
            {
                ["display_name"] = ".NET (C#)",
                ["language"] = "C#",
                ["name"] = ".net-csharp",
            };
        }

        if (metadata["language_info"] is not JsonObject)
        {
            metadata["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" };
        }

        if (metadata["polyglot_notebook"] is not JsonObject polyglot)
        {
            polyglot = [];
            metadata["polyglot_notebook"] = polyglot;
        }

        if (polyglot["kernelInfo"] is not JsonObject)
        {
            polyglot["kernelInfo"] = KernelInfo();
        }
    }

    /// <summary>The polyglot_notebook.kernelInfo object for a C#-only notebook.</summary>
    public static JsonObject KernelInfo() => new()
    {
        ["defaultKernelName"] = CSharpKernel,
        ["items"] = new JsonArray(new JsonObject
        {
            ["aliases"] = new JsonArray(),
            ["languageName"] = "C#",
            ["name"] = CSharpKernel,
        }),
    };

    /// <summary>Cell metadata Polyglot writes on a C# cell.</summary>
    public static JsonObject CSharpCellMetadata() => new()
    {
        ["dotnet_interactive"] = new JsonObject { ["language"] = CSharpKernel },
        ["polyglot_notebook"] = new JsonObject { ["kernelName"] = CSharpKernel },
    };

    /// <summary>
    /// The notebook's default kernel: polyglot_notebook.kernelInfo.defaultKernelName, else the kernelspec language,
    /// else "csharp".
    /// </summary>
    public static string DefaultKernelName(JsonObject metadata)
    {
        var fromPolyglot = ((metadata["polyglot_notebook"] as JsonObject)?["kernelInfo"] as JsonObject)?["defaultKernelName"];
        if (fromPolyglot is JsonValue v && v.TryGetValue<string>(out var name) && name.Length > 0)
        {
            return name;
        }

        var fromKernelInfo = (metadata["kernelInfo"] as JsonObject)?["defaultKernelName"];
        if (fromKernelInfo is JsonValue v2 && v2.TryGetValue<string>(out var name2) && name2.Length > 0)
        {
            return name2;
        }

        var language = (metadata["kernelspec"] as JsonObject)?["language"];
        if (language is JsonValue v3 && v3.TryGetValue<string>(out var lang))
        {
            return NormalizeKernelName(lang);
        }

        return CSharpKernel;
    }

    /// <summary>Maps Polyglot's aliases ("C#", "cs", "c#") to the kernel name "csharp"; markdown aliases to "markdown".</summary>
    public static string NormalizeKernelName(string name) => name.ToLowerInvariant() switch
    {
        "csharp" or "c#" or "cs" => CSharpKernel,
        "markdown" or "md" => "markdown",
        "fsharp" or "f#" or "fs" => "fsharp",
        "pwsh" or "powershell" => "pwsh",
        "javascript" or "js" => "javascript",
        var other => other,
    };
}
