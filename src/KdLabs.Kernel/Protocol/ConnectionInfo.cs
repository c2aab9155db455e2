using System.Text.Json;
using System.Text.Json.Nodes;

namespace KdLabs.Kernel.Protocol;

/// <summary>A Jupyter connection file: where the five sockets listen and the key that signs every message.</summary>
internal sealed record ConnectionInfo(string Transport, string Ip, int ShellPort, int IopubPort, int StdinPort, int ControlPort, int HbPort, string Key, string SignatureScheme)
{
    /// <summary>The endpoint of one socket, e.g. tcp://127.0.0.1:50123.</summary>
    public string Endpoint(int port) => $"{Transport}://{Ip}:{port}";

    /// <summary>Reads and checks a connection file (as written by jupyter_client, VS Code or nbclient).</summary>
    /// <exception cref="FormatException">The file is not a connection file; the message names the field and the fix.</exception>
    public static ConnectionInfo Load(string path)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new FormatException($"{path}: a connection file is a JSON object; the frontend that started the kernel writes it (pass it as -f {{connection_file}})");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: not valid JSON ({e.Message}); the frontend that started the kernel writes this file (-f {{connection_file}})", e);
        }

        var transport = Text(json, "transport", path, "tcp");
        if (transport != "tcp")
        {
            throw new FormatException($"{path}: \"transport\" is \"{transport}\"; this kernel listens on tcp only (set the frontend's transport to tcp)");
        }

        var scheme = Text(json, "signature_scheme", path, "hmac-sha256");
        if (scheme != "hmac-sha256")
        {
            throw new FormatException($"{path}: \"signature_scheme\" is \"{scheme}\"; this kernel signs with hmac-sha256 (the Jupyter default)");
        }

        return new ConnectionInfo(transport, Text(json, "ip", path, "127.0.0.1"),
            Port(json, "shell_port", path), Port(json, "iopub_port", path), Port(json, "stdin_port", path),
            Port(json, "control_port", path), Port(json, "hb_port", path), Text(json, "key", path, ""), scheme);
    }

    private static string Text(JsonObject json, string field, string path, string fallback) => json[field] switch
    {
        null => fallback,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw new FormatException($"{path}: \"{field}\" must be a string"),
    };

    private static int Port(JsonObject json, string field, string path) =>
        json[field] is JsonValue v && v.TryGetValue<int>(out var port) && port is > 0 and < 65536
            ? port
            : throw new FormatException($"{path}: \"{field}\" must be a port number from 1 to 65535 (found {json[field]?.ToJsonString() ?? "nothing"})");
}
