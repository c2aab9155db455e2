using System.Text.Json;

namespace KdLabs.Studio;

/// <summary>One server-sent event of a run: its type (<c>progress</c>, <c>epoch</c>, <c>done</c>, …) and a JSON payload.</summary>
public sealed record StudioEvent(string Type, JsonElement Data)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>An event whose payload is <paramref name="data"/> serialised with web (camelCase) names.</summary>
    public static StudioEvent Of(string type, object data) => new(type, JsonSerializer.SerializeToElement(data, Json));

    /// <summary>The event as an SSE frame.</summary>
    public string ToFrame() => $"event: {Type}\ndata: {Data.GetRawText()}\n\n";

    /// <summary>True for the events that end a run's stream.</summary>
    public bool IsTerminal => Type is "done" or "cancelled" or "error";
}
