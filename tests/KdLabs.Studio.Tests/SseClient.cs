using System.Text.Json;

namespace KdLabs.Studio.Tests;

/// <summary>One parsed server-sent event.</summary>
public sealed record Sse(string Type, JsonElement Data);

/// <summary>Reads a run's event stream the way a browser's EventSource does, without a browser.</summary>
public static class SseClient
{
    /// <summary>Reads events until <paramref name="stop"/> says so, the stream ends, or the timeout passes.</summary>
    public static async Task<List<Sse>> ReadAsync(HttpClient http, string url, Func<Sse, bool> stop, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(2));
        using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/event-stream", response.Content.Headers.ContentType!.ToString());
        using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
        using var reader = new StreamReader(stream);
        var events = new List<Sse>();
        string? type = null;
        string? data = null;
        while (await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                type = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
            else if (line.Length == 0 && type is not null && data is not null)
            {
                var e = new Sse(type, JsonDocument.Parse(data).RootElement.Clone());
                events.Add(e);
                type = data = null;
                if (stop(e))
                {
                    break;
                }
            }
        }
        return events;
    }

    /// <summary>Reads until the run's terminal event.</summary>
    public static Task<List<Sse>> ReadToEndAsync(HttpClient http, string url) =>
        ReadAsync(http, url, e => e.Type is "done" or "cancelled" or "error");
}
