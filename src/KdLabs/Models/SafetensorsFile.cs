using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text;
using KdLabs.Data;
using KdLabs.Infrastructure;
using TorchSharp;
using static TorchSharp.torch;

namespace KdLabs.Models;

/// <summary>
/// Reader and writer for Hugging Face's safetensors format: an 8-byte little-endian header length n,
/// n bytes of UTF-8 JSON mapping each tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c>
/// (offsets relative to the data section; an optional <c>__metadata__</c> map of strings is skipped),
/// then the raw little-endian tensor bytes. Every header field is checked against the file before
/// any data is used, so a truncated or hand-edited file fails with the tensor and field named.
/// </summary>
public static class SafetensorsFile
{
    /// <summary>Headers larger than this are refused (the reference implementation uses 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private static readonly Dictionary<string, (int Bytes, ScalarType Type)> DTypes = new(StringComparer.Ordinal)
    {
        ["F64"] = (8, ScalarType.Float64), ["F32"] = (4, ScalarType.Float32), ["F16"] = (2, ScalarType.Float16),
        ["BF16"] = (2, ScalarType.BFloat16), ["I64"] = (8, ScalarType.Int64), ["I32"] = (4, ScalarType.Int32),
        ["I16"] = (2, ScalarType.Int16), ["I8"] = (1, ScalarType.Int8), ["U8"] = (1, ScalarType.Byte), ["BOOL"] = (1, ScalarType.Bool),
    };

    /// <summary>The dtype names this reader understands.</summary>
    public static IReadOnlyCollection<string> SupportedDTypes => DTypes.Keys;

    /// <summary>Reads and validates the header only.</summary>
    public static IReadOnlyList<SafetensorsEntry> ReadHeader(string path) => ReadHeader(path, out _);

    /// <summary>Reads every tensor (CPU, the file's dtype), keyed by name.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        var entries = ReadHeader(path, out long dataStart);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var stream = File.OpenRead(path);
        foreach (var e in entries)
        {
            var bytes = new byte[e.End - e.Begin];
            stream.Position = dataStart + e.Begin;
            stream.ReadExactly(bytes);
            result[e.Name] = FromBytes(bytes, e);
        }
        return result;
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (any CPU dtype listed in <see cref="SupportedDTypes"/>) in name
    /// order, atomically. The header is padded with spaces to a multiple of 8 bytes, as the format allows.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var items = tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => (kv.Key, Tensor: kv.Value, Name: DTypeName(kv.Value.dtype), Bytes: ToBytes(kv.Value)))
            .ToList();
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is not null)
        {
            header["__metadata__"] = metadata;
        }
        long offset = 0;
        foreach (var (key, tensor, name, bytes) in items)
        {
            header[key] = new Dictionary<string, object> { ["dtype"] = name, ["shape"] = tensor.shape, ["data_offsets"] = new[] { offset, offset + bytes.Length } };
            offset += bytes.Length;
        }
        byte[] json = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(header));
        int padded = (json.Length + 7) / 8 * 8;
        AtomicFile.Write(path, tmp =>
        {
            using var stream = File.Create(tmp);
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
            stream.Write(length);
            stream.Write(json);
            for (int i = json.Length; i < padded; i++)
            {
                stream.WriteByte((byte)' ');
            }
            foreach (var item in items)
            {
                stream.Write(item.Bytes);
            }
        });
    }

    /// <summary>The module's state dict (parameters and buffers), written as safetensors.</summary>
    public static void Save(string path, nn.Module module, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, module.state_dict(), metadata);

    /// <summary>The torch scalar type of a safetensors dtype name.</summary>
    public static ScalarType ScalarTypeOf(string dtype) => DTypes[dtype].Type;

    private static IReadOnlyList<SafetensorsEntry> ReadHeader(string path, out long dataStart)
    {
        const string fix = "The file is truncated or not a safetensors file; download it again.";
        if (!File.Exists(path))
        {
            throw new DataFormatException(path, "file", "not found", "Check the path given with --weights.");
        }
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors data is little-endian; this reader needs a little-endian CPU.");
        }
        long fileLength = new FileInfo(path).Length;
        if (fileLength < 8)
        {
            throw new DataFormatException(path, "header length", $"file is {fileLength} bytes, shorter than the 8-byte header length", fix);
        }
        byte[] jsonBytes;
        using (var stream = File.OpenRead(path))
        {
            Span<byte> lengthBytes = stackalloc byte[8];
            stream.ReadExactly(lengthBytes);
            ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            if (n == 0 || n > MaxHeaderBytes || (long)n > fileLength - 8)
            {
                throw new DataFormatException(path, "header length", $"{n} bytes, but the file has {fileLength - 8} bytes after the length field (limit {MaxHeaderBytes:N0})", fix);
            }
            jsonBytes = new byte[n];
            stream.ReadExactly(jsonBytes);
        }
        dataStart = 8 + jsonBytes.Length;
        long dataLength = fileLength - dataStart;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(jsonBytes);
        }
        catch (JsonException e)
        {
            throw new DataFormatException(path, "header JSON", $"not valid JSON ({e.Message})", fix);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new DataFormatException(path, "header JSON", $"a {doc.RootElement.ValueKind}, expected an object of tensors", fix);
            }
            var entries = new List<SafetensorsEntry>();
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    continue;
                }
                entries.Add(ParseEntry(path, property, dataLength));
            }
            long previousEnd = 0;
            foreach (var e in entries.OrderBy(e => e.Begin))
            {
                if (e.Begin < previousEnd)
                {
                    throw new DataFormatException(path, $"{e.Name}.data_offsets", $"[{e.Begin}, {e.End}] overlaps the previous tensor (ends at {previousEnd})", fix);
                }
                previousEnd = e.End;
            }
            return entries;
        }
    }

    private static SafetensorsEntry ParseEntry(string path, JsonProperty property, long dataLength)
    {
        string name = property.Name;
        const string fix = "The file's header is damaged or was written by an incompatible tool.";
        var v = property.Value;
        if (v.ValueKind != JsonValueKind.Object
            || !v.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String
            || !v.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array
            || !v.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
        {
            throw new DataFormatException(path, name, "entry lacks dtype (string), shape (array) or data_offsets ([begin, end])", fix);
        }
        string dtype = dtypeEl.GetString()!;
        if (!DTypes.TryGetValue(dtype, out var info))
        {
            throw new DataFormatException(path, $"{name}.dtype", $"'{dtype}' is not supported (supported: {string.Join(", ", DTypes.Keys)})",
                "Convert the file to F32/F16/BF16 with the safetensors tools.");
        }
        var shape = new long[shapeEl.GetArrayLength()];
        int d = 0;
        foreach (var dim in shapeEl.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long size) || size < 0)
            {
                throw new DataFormatException(path, $"{name}.shape", $"dimension {d} is not a non-negative integer", fix);
            }
            shape[d++] = size;
        }
        long begin = offEl[0].TryGetInt64(out long b) ? b : -1;
        long end = offEl[1].TryGetInt64(out long en) ? en : -1;
        var entry = new SafetensorsEntry(name, dtype, shape, begin, end);
        if (begin < 0 || end < begin || end > dataLength)
        {
            throw new DataFormatException(path, $"{name}.data_offsets", $"[{begin}, {end}] is not a range inside the {dataLength}-byte data section", fix);
        }
        if (end - begin != entry.ElementCount * info.Bytes)
        {
            throw new DataFormatException(path, $"{name}.data_offsets",
                $"{end - begin} bytes, but shape [{string.Join(", ", shape)}] of {dtype} needs {entry.ElementCount * info.Bytes}", fix);
        }
        return entry;
    }

    private static Tensor FromBytes(byte[] bytes, SafetensorsEntry e)
    {
        long[] shape = e.Shape;
        return e.DType switch
        {
            "F64" => torch.tensor(MemoryMarshal.Cast<byte, double>(bytes).ToArray(), shape),
            "F32" => torch.tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), shape),
            "F16" => torch.tensor(MemoryMarshal.Cast<byte, Half>(bytes).ToArray().Select(h => (float)h).ToArray(), shape).to_type(ScalarType.Float16),
            // bfloat16 is the top half of a float32's bits.
            "BF16" => torch.tensor(MemoryMarshal.Cast<byte, ushort>(bytes).ToArray().Select(u => BitConverter.Int32BitsToSingle(u << 16)).ToArray(), shape).to_type(ScalarType.BFloat16),
            "I64" => torch.tensor(MemoryMarshal.Cast<byte, long>(bytes).ToArray(), shape),
            "I32" => torch.tensor(MemoryMarshal.Cast<byte, int>(bytes).ToArray(), shape),
            "I16" => torch.tensor(MemoryMarshal.Cast<byte, short>(bytes).ToArray(), shape),
            "I8" => torch.tensor(MemoryMarshal.Cast<byte, sbyte>(bytes).ToArray(), shape),
            "U8" => torch.tensor(bytes, shape),
            "BOOL" => torch.tensor(bytes.Select(x => x != 0).ToArray(), shape),
            _ => throw new InvalidOperationException($"unreachable dtype {e.DType}"),
        };
    }

    private static string DTypeName(ScalarType type) =>
        DTypes.FirstOrDefault(kv => kv.Value.Type == type).Key
        ?? throw new ArgumentException($"Cannot write tensors of type {type} to safetensors.");

    private static byte[] ToBytes(Tensor t)
    {
        using var c = t.detach().cpu().contiguous();
        return c.dtype switch
        {
            ScalarType.Float64 => MemoryMarshal.AsBytes(c.data<double>().ToArray().AsSpan()).ToArray(),
            ScalarType.Float32 => MemoryMarshal.AsBytes(c.data<float>().ToArray().AsSpan()).ToArray(),
            ScalarType.Float16 or ScalarType.BFloat16 => Convert16(c),
            ScalarType.Int64 => MemoryMarshal.AsBytes(c.data<long>().ToArray().AsSpan()).ToArray(),
            ScalarType.Int32 => MemoryMarshal.AsBytes(c.data<int>().ToArray().AsSpan()).ToArray(),
            ScalarType.Int16 => MemoryMarshal.AsBytes(c.data<short>().ToArray().AsSpan()).ToArray(),
            ScalarType.Int8 => MemoryMarshal.AsBytes(c.data<sbyte>().ToArray().AsSpan()).ToArray(),
            ScalarType.Byte => c.data<byte>().ToArray(),
            ScalarType.Bool => c.data<bool>().ToArray().Select(b => b ? (byte)1 : (byte)0).ToArray(),
            _ => throw new ArgumentException($"Cannot write tensors of type {c.dtype} to safetensors."),
        };
    }

    private static byte[] Convert16(Tensor t)
    {
        var floats = t.to_type(ScalarType.Float32).data<float>().ToArray();
        var result = new byte[floats.Length * 2];
        for (int i = 0; i < floats.Length; i++)
        {
            ushort bits = t.dtype == ScalarType.Float16
                ? BitConverter.HalfToUInt16Bits((Half)floats[i])
                : (ushort)(BitConverter.SingleToUInt32Bits(floats[i]) >> 16);
            BinaryPrimitives.WriteUInt16LittleEndian(result.AsSpan(2 * i), bits);
        }
        return result;
    }
}
