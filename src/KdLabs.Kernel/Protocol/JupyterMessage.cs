using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using NetMQ;

namespace KdLabs.Kernel.Protocol;

/// <summary>
/// One Jupyter message and its wire form: routing identities, the <c>&lt;IDS|MSG&gt;</c> delimiter, the HMAC signature,
/// then header, parent header, metadata and content as JSON frames, then binary buffers.
/// </summary>
internal sealed class JupyterMessage
{
    /// <summary>The protocol version this kernel speaks.</summary>
    public const string ProtocolVersion = "5.3";

    private static readonly byte[] Delimiter = "<IDS|MSG>"u8.ToArray();

    public List<byte[]> Identities { get; init; } = [];

    public required JsonObject Header { get; init; }

    public JsonObject ParentHeader { get; init; } = [];

    public JsonObject Metadata { get; init; } = [];

    public JsonObject Content { get; init; } = [];

    public string MsgType => (string?)Header["msg_type"] ?? "";

    /// <summary>A new message of <paramref name="msgType"/> answering or caused by <paramref name="parent"/> (null: none).</summary>
    public static JupyterMessage Create(string msgType, JsonObject content, JupyterMessage? parent, string session, IEnumerable<byte[]>? identities = null) => new()
    {
        Identities = identities?.ToList() ?? parent?.Identities.ToList() ?? [],
        Header = new JsonObject
        {
            ["msg_id"] = Guid.NewGuid().ToString("N"),
            ["session"] = session,
            ["username"] = "kernel",
            ["date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture),
            ["msg_type"] = msgType,
            ["version"] = ProtocolVersion,
        },
        ParentHeader = parent?.Header.DeepClone().AsObject() ?? [],
        Content = content,
    };

    /// <summary>Parses and verifies a received multipart message.</summary>
    /// <exception cref="InvalidSignatureException">The signature does not match the key.</exception>
    /// <exception cref="FormatException">The frames are not a Jupyter message.</exception>
    public static JupyterMessage Decode(NetMQMessage frames, MessageSigner signer)
    {
        var all = frames.Select(f => f.ToByteArray()).ToList();
        var delimiter = all.FindIndex(f => f.AsSpan().SequenceEqual(Delimiter));
        if (delimiter < 0 || all.Count < delimiter + 6)
        {
            throw new FormatException($"not a Jupyter message ({all.Count} frames, delimiter at {delimiter})");
        }

        var signature = Encoding.ASCII.GetString(all[delimiter + 1]);
        var parts = all.GetRange(delimiter + 2, 4);
        if (!signer.Verify(signature, parts))
        {
            throw new InvalidSignatureException();
        }

        return new JupyterMessage
        {
            Identities = all.GetRange(0, delimiter),
            Header = Object(parts[0]) ?? throw new FormatException("the message header is not a JSON object"),
            ParentHeader = Object(parts[1]) ?? [],
            Metadata = Object(parts[2]) ?? [],
            Content = Object(parts[3]) ?? [],
        };
    }

    /// <summary>The wire frames, signed.</summary>
    public NetMQMessage Encode(MessageSigner signer)
    {
        var parts = new List<byte[]>
        {
            Encoding.UTF8.GetBytes(Header.ToJsonString()),
            Encoding.UTF8.GetBytes(ParentHeader.ToJsonString()),
            Encoding.UTF8.GetBytes(Metadata.ToJsonString()),
            Encoding.UTF8.GetBytes(Content.ToJsonString()),
        };
        var message = new NetMQMessage();
        foreach (var identity in Identities)
        {
            message.Append(identity);
        }

        message.Append(Delimiter);
        message.Append(Encoding.ASCII.GetBytes(signer.Sign(parts)));
        foreach (var part in parts)
        {
            message.Append(part);
        }

        return message;
    }

    private static JsonObject? Object(byte[] frame) => frame.Length == 0 ? null : JsonNode.Parse(frame) as JsonObject;
}

/// <summary>A received message whose HMAC signature does not match the connection's key.</summary>
internal sealed class InvalidSignatureException() : Exception("the message's HMAC signature does not match the connection key");
