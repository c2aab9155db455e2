using System.Text.Json.Nodes;

namespace KdLabs.Notebooks.Format;

/// <summary>
/// The <c>data</c> of a display_data or execute_result output: MIME type to value.
/// Values are kept as JSON so that non-text types (e.g. application/json) survive a round trip.
/// </summary>
public sealed class MimeBundle
{
    private readonly List<KeyValuePair<string, JsonNode?>> _entries = [];

    /// <summary>The MIME types in this bundle, in insertion order.</summary>
    public IEnumerable<string> MimeTypes => _entries.Select(e => e.Key);

    /// <summary>Number of entries.</summary>
    public int Count => _entries.Count;

    /// <summary>Sets a text value for a MIME type, replacing any previous one.</summary>
    public MimeBundle Set(string mimeType, string text) => SetNode(mimeType, JsonValue.Create(text));

    /// <summary>Sets a raw JSON value for a MIME type, replacing any previous one.</summary>
    public MimeBundle SetNode(string mimeType, JsonNode? value)
    {
        var i = _entries.FindIndex(e => e.Key == mimeType);
        if (i >= 0)
        {
            _entries[i] = new(mimeType, value);
        }
        else
        {
            _entries.Add(new(mimeType, value));
        }

        return this;
    }

    /// <summary>True when the bundle holds <paramref name="mimeType"/>.</summary>
    public bool Contains(string mimeType) => _entries.Exists(e => e.Key == mimeType);

    /// <summary>The raw JSON value of a MIME type, or null.</summary>
    public JsonNode? GetNode(string mimeType) => _entries.Find(e => e.Key == mimeType).Value;

    /// <summary>Gets a text value, joining nbformat's list-of-lines form.</summary>
    public bool TryGetText(string mimeType, out string text)
    {
        text = "";
        var i = _entries.FindIndex(e => e.Key == mimeType);
        if (i < 0)
        {
            return false;
        }

        switch (_entries[i].Value)
        {
            case JsonValue v when v.TryGetValue<string>(out var s):
                text = s;
                return true;
            case JsonArray a when a.All(n => n is JsonValue lv && lv.TryGetValue<string>(out _)):
                text = string.Concat(a.Select(n => n!.GetValue<string>()));
                return true;
            case null:
                return false;
            default:
                text = _entries[i].Value!.ToJsonString();
                return true;
        }
    }

    /// <summary>Gets a text value or null.</summary>
    public string? GetText(string mimeType) => TryGetText(mimeType, out var t) ? t : null;

    internal IEnumerable<KeyValuePair<string, JsonNode?>> Entries => _entries;
}
