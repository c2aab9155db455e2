using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using KdLabs.Infrastructure;

namespace KdLabs.Kernel;

/// <summary>
/// Gives another installed kernel, the .NET Interactive kernel above all, the environment the kit's own kernel starts
/// with (<see cref="ComputeEnvironment"/>): Jupyter frontends (VS Code's Jupyter extension, JupyterLab, Notebook,
/// papermill) add a kernelspec's <c>env</c> to the kernel's environment when they start it. Measured on lesson 04 with
/// its teacher cached: 198 s on the .NET Interactive kernel as registered, 77 s with the two variables (docs/speed.md).
/// </summary>
public static class KernelSpecEnvironment
{
    /// <summary>The .NET Interactive C# kernel's kernelspec name (<c>dotnet interactive jupyter install</c> registers it).</summary>
    public const string DotNetInteractive = ".net-csharp";

    /// <summary>
    /// The folder of the kernelspec Jupyter knows as <paramref name="name"/> (<c>jupyter kernelspec list --json</c>), or
    /// null when there is no <c>jupyter</c> on PATH or no such kernel.
    /// </summary>
    public static string? Locate(string name)
    {
        var psi = new ProcessStartInfo("jupyter", ["kernelspec", "list", "--json"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string json;
        try
        {
            using var process = Process.Start(psi)!;
            var stderr = process.StandardError.ReadToEndAsync();
            json = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            _ = stderr.Result;
            if (process.ExitCode != 0)
            {
                return null;
            }
        }
        catch (Win32Exception)
        {
            return null;
        }

        return ResourceDirectory(json, name);
    }

    /// <summary>The <c>resource_dir</c> of <paramref name="name"/> in <c>jupyter kernelspec list --json</c>'s output, or null.</summary>
    internal static string? ResourceDirectory(string kernelspecListJson, string name)
    {
        try
        {
            return JsonNode.Parse(kernelspecListJson)?["kernelspecs"]?[name]?["resource_dir"]?.GetValue<string>();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Adds each <see cref="ComputeEnvironment"/> variable that the kernelspec in <paramref name="kernelSpecDirectory"/>
    /// does not set to its <c>env</c> (atomically; every other field and value is kept, so a value the user wrote wins).
    /// Returns the names added: none when it already sets them all, and then the file is not rewritten.
    /// </summary>
    /// <exception cref="UserErrorException">No kernel.json in the folder.</exception>
    /// <exception cref="DataFormatException">kernel.json is not a JSON object, or its <c>env</c> is not one.</exception>
    public static IReadOnlyList<string> Add(string kernelSpecDirectory)
    {
        string path = Path.Combine(kernelSpecDirectory, "kernel.json");
        if (!File.Exists(path))
        {
            throw new UserErrorException($"{path}: no such file; a kernelspec folder holds kernel.json (`jupyter kernelspec list` shows the folders).");
        }

        JsonObject spec;
        try
        {
            spec = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new DataFormatException(path, "(top level)", "it is not a JSON object", "Reinstall the kernel (for .NET Interactive: `dotnet interactive jupyter install`).");
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, "(top level)", $"it is not valid JSON ({e.Message})", "Reinstall the kernel (for .NET Interactive: `dotnet interactive jupyter install`).", e);
        }

        var env = spec["env"] switch
        {
            null => new JsonObject(),
            JsonObject existing => existing,
            _ => throw new DataFormatException(path, "env", "it is not a JSON object of names and values", "Make it an object such as {\"NAME\": \"value\"}, or remove it."),
        };
        var added = ComputeEnvironment.Variables.Where(v => !env.ContainsKey(v.Key)).ToList();
        if (added.Count == 0)
        {
            return [];
        }

        foreach (var (name, value) in added)
        {
            env[name] = value;
        }
        if (env.Parent is null)
        {
            spec["env"] = env;
        }
        AtomicFile.WriteAllText(path, spec.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return [.. added.Select(v => v.Key)];
    }
}
