using System.Reflection;
using System.Text.Json.Nodes;

namespace KdLabs.Kernel.Protocol;

/// <summary>The kernel_info_reply: who this kernel is and the language it runs (C# 14, as the lessons are written).</summary>
internal static class KernelInfo
{
    /// <summary>The language name frontends show and key syntax highlighting on (the same as the .NET Interactive kernel's).</summary>
    public const string Language = "C#";

    public static JsonObject Content() => new()
    {
        ["status"] = "ok",
        ["protocol_version"] = JupyterMessage.ProtocolVersion,
        ["implementation"] = "kdlabs",
        ["implementation_version"] = typeof(KernelInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0",
        ["language_info"] = new JsonObject
        {
            ["name"] = Language,
            ["version"] = "14.0",
            ["mimetype"] = "text/x-csharp",
            ["file_extension"] = ".cs",
            ["pygments_lexer"] = "csharp",
            ["codemirror_mode"] = "text/x-csharp",
        },
        ["banner"] = "C# (KdLabs): the knowledge-distillation kit's kernel. C# 14; #r \"nuget: KdLabs\" and the packages the kit ships.",
        ["help_links"] = new JsonArray(),
        ["debugger"] = false,
    };
}
