using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using KdLabs.Infrastructure;

namespace KdLabs.Training;

/// <summary>
/// The identity of one run (a teacher, a student, a cache of logits): what kind of artifact it is, the model, the
/// training set's pixel fingerprint, the trainer's settings, the method's settings, anything else that shapes it
/// (<see cref="ContextJson"/>), the run it builds on (<see cref="Parent"/>, e.g. a student's teacher) and the key
/// format's <see cref="Version"/>. Settings are held as canonical JSON (keys sorted, numbers written round-trip exact),
/// never as display text, so T = 4 and T = 4.0004 are different runs. Two keys are equal exactly when their
/// <see cref="ToJson"/> texts are; <see cref="Hash"/> names the run's folder.
/// </summary>
public sealed record RunKey
{
    /// <summary>
    /// Version of what a key means. Bump it when a run's semantics change without its settings changing, so folders of
    /// the old meaning are not reused. 2: the first typed key (before it, folders were keyed by hashes of display strings).
    /// 3: the CPU thread count joins the key (<see cref="Threads"/>).
    /// </summary>
    public const int CurrentVersion = 3;

    private RunKey(string kind, string model, string dataset, string trainerJson, string methodJson, string contextJson, RunKey? parent, int version, int? threads)
    {
        Threads = threads;
        Kind = kind;
        Model = model;
        Dataset = dataset;
        TrainerJson = trainerJson;
        MethodJson = methodJson;
        ContextJson = contextJson;
        Parent = parent;
        Version = version;
    }

    /// <summary>What the run produces: <c>teacher</c>, <c>student</c>, <c>logits</c>, ….</summary>
    public string Kind { get; }

    /// <summary>The model's catalog name (or a descriptive name such as <c>resnet18</c>).</summary>
    public string Model { get; }

    /// <summary>The training set's <see cref="Data.InMemoryDataset.Fingerprint"/> (a SHA-256 over its pixels and labels).</summary>
    public string Dataset { get; }

    /// <summary>The trainer's settings (<see cref="TrainerOptions.RunIdentity"/>) as canonical JSON; <c>{}</c> when nothing is trained.</summary>
    public string TrainerJson { get; }

    /// <summary>The method's settings (<see cref="ITrainingObjective.RunIdentity"/>) as canonical JSON.</summary>
    public string MethodJson { get; }

    /// <summary>Everything else that shapes the run (evaluation set, device, dropout, initial weights) as canonical JSON.</summary>
    public string ContextJson { get; }

    /// <summary>The run this one builds on (a student's teacher, the teacher whose logits these are), or null.</summary>
    public RunKey? Parent { get; }

    /// <summary>The key format's version (<see cref="CurrentVersion"/> for keys made now).</summary>
    public int Version { get; }

    /// <summary>
    /// libtorch's intra-op thread count when the key was made (null in keys older than version 3). It splits a
    /// convolution's or matmul's sums among threads, so the same seed and settings give other bits on another thread
    /// count: MNIST's course teacher reached 97.45 % with 2 threads and 97.49 % with 1. A run cached at one count is
    /// not reused at another, so a cached result is always the one its settings reproduce.
    /// </summary>
    public int? Threads { get; }

    /// <summary>SHA-256 of <see cref="ToJson"/>, 64 lowercase hex digits.</summary>
    public string Hash => TextHash.Sha256(ToJson());

    /// <summary>Makes a key; <paramref name="method"/> and <paramref name="context"/> may be JSON nodes or plain objects (serialised as JSON).</summary>
    public static RunKey Create(string kind, string model, string dataset, TrainerOptions? trainer, object? method, object? context = null, RunKey? parent = null) =>
        Create(kind, model, dataset, trainer, method, context, parent, TorchSharp.torch.get_num_threads());

    /// <summary>The same with the thread count given (tests: setting libtorch's count would reach every test in the process).</summary>
    internal static RunKey Create(string kind, string model, string dataset, TrainerOptions? trainer, object? method, object? context, RunKey? parent, int threads) =>
        new(kind, model, dataset, trainer is null ? "{}" : Canonical(trainer.RunIdentity()), Canonical(method), Canonical(context), parent, CurrentVersion, threads);

    /// <summary>
    /// A method's or signal's identity: <c>{"name": name, ...settings}</c>, the settings' properties serialised as JSON
    /// numbers, strings and nested identities (enums by name). Objectives build their <see cref="ITrainingObjective.RunIdentity"/> with it.
    /// </summary>
    public static JsonObject Settings(string name, object? settings = null)
    {
        var node = settings is null ? new JsonObject() : JsonSerializer.SerializeToNode(settings, SettingsOptions) as JsonObject
            ?? throw new ArgumentException("Settings must serialise to a JSON object (pass an anonymous object).", nameof(settings));
        node.Insert(0, "name", name);
        return node;
    }

    /// <summary>The key as canonical JSON (compact, keys sorted): the text that is hashed.</summary>
    public string ToJson() => Write(indented: false);

    /// <summary>The key as indented JSON, for the <c>run-key.json</c> a person reads next to the artifact.</summary>
    public string ToIndentedJson() => Write(indented: true);

    /// <summary>
    /// Reads a key written by <see cref="ToJson"/> or <see cref="ToIndentedJson"/>. Throws <see cref="JsonException"/> when
    /// the text is not a key.
    /// </summary>
    public static RunKey Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return FromElement(doc.RootElement);
    }

    /// <summary>A folder name for the run: <paramref name="label"/> made file-safe, then the first 16 hex digits of <see cref="Hash"/>.</summary>
    public string FolderName(string label)
    {
        var slug = new string(label.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c == '.' ? c : '-').ToArray());
        while (slug.Contains("--", StringComparison.Ordinal))
        {
            slug = slug.Replace("--", "-", StringComparison.Ordinal);
        }
        slug = slug.Trim('-');
        return $"{(slug.Length == 0 ? Kind : slug)}-{Hash[..16]}";
    }

    /// <summary>The canonical JSON of a node or plain object: keys sorted by ordinal, no whitespace, numbers round-trip exact.</summary>
    public static string Canonical(object? value)
    {
        if (value is null)
        {
            return "{}";
        }
        string text = value is JsonNode node ? node.ToJsonString(SettingsOptions) : JsonSerializer.Serialize(value, SettingsOptions);
        using var doc = JsonDocument.Parse(text);
        return CanonicalOf(doc.RootElement);
    }

    private static readonly JsonSerializerOptions SettingsOptions = new()
    {
        Converters = { new JsonStringEnumConverter() },
    };

    private string Write(bool indented)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            WriteTo(writer);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    // Properties in ordinal order, so the compact form is canonical too.
    private void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WritePropertyName("context");
        writer.WriteRawValue(ContextJson);
        writer.WriteString("dataset", Dataset);
        writer.WriteString("kind", Kind);
        writer.WritePropertyName("method");
        writer.WriteRawValue(MethodJson);
        writer.WriteString("model", Model);
        writer.WritePropertyName("parent");
        if (Parent is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            Parent.WriteTo(writer);
        }
        if (Threads is { } threads)
        {
            writer.WriteNumber("threads", threads);
        }
        writer.WritePropertyName("trainer");
        writer.WriteRawValue(TrainerJson);
        writer.WriteNumber("version", Version);
        writer.WriteEndObject();
    }

    private static RunKey FromElement(JsonElement e)
    {
        string Text(string name) => e.GetProperty(name).GetString() ?? throw new JsonException($"run key: \"{name}\" is null.");
        var parent = e.GetProperty("parent");
        return new RunKey(Text("kind"), Text("model"), Text("dataset"),
            CanonicalOf(e.GetProperty("trainer")), CanonicalOf(e.GetProperty("method")), CanonicalOf(e.GetProperty("context")),
            parent.ValueKind == JsonValueKind.Null ? null : FromElement(parent), e.GetProperty("version").GetInt32(),
            e.TryGetProperty("threads", out var threads) ? threads.GetInt32() : null);
    }

    private static string CanonicalOf(JsonElement element)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteCanonical(writer, element);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteCanonical(writer, property.Value);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteCanonical(writer, item);
                }
                writer.WriteEndArray();
                break;
            case JsonValueKind.Number:
                // One spelling per number: integers as integers, everything else as the shortest text that reads back
                // as the same double (4 and 4.0 are one number; 4.0004 and 0.30000000000000004 keep every digit).
                if (element.TryGetInt64(out long integer))
                {
                    writer.WriteNumberValue(integer);
                }
                else
                {
                    double value = double.Parse(element.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);
                    if (value == Math.Floor(value) && Math.Abs(value) < 9e15)
                    {
                        writer.WriteNumberValue((long)value);
                    }
                    else
                    {
                        writer.WriteNumberValue(value);
                    }
                }
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }
}
