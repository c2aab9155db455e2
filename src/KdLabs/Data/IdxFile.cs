using System.Buffers.Binary;
using KdLabs.Infrastructure;

namespace KdLabs.Data;

/// <summary>Images read from an IDX3 file: <see cref="Count"/> images of <see cref="Rows"/>×<see cref="Columns"/> bytes, row-major.</summary>
internal sealed record IdxImages(int Count, int Rows, int Columns, byte[] Pixels);

/// <summary>
/// Reader for the IDX format of LeCun's MNIST distribution: a big-endian header (two zero bytes, a
/// type code, the number of dimensions, then one 32-bit size per dimension) followed by the raw data.
/// Every header field and the exact file length are checked, so a truncated, padded or mislabelled
/// file is rejected whole instead of being half-read.
/// </summary>
internal static class IdxFile
{
    private const byte UnsignedByte = 0x08;

    /// <summary>The fix named when a file is missing or damaged, unless the caller names its data set's own.</summary>
    private const string MnistRefetch = "Fetch it again with `kdlabs data fetch mnist`.";

    /// <summary>
    /// Reads an unsigned-byte IDX3 image file (magic 0x00000803). <paramref name="refetch"/> is the fix every error
    /// names (default: MNIST's fetch command), so another IDX data set's errors point at its own fetch.
    /// </summary>
    public static IdxImages ReadImages(string path, string? refetch = null)
    {
        var (dims, data) = Read(path, expectedDims: 3, refetch ?? MnistRefetch);
        return new IdxImages(dims[0], dims[1], dims[2], data);
    }

    /// <summary>Reads an unsigned-byte IDX1 label file (magic 0x00000801); <paramref name="refetch"/> as in <see cref="ReadImages"/>.</summary>
    public static byte[] ReadLabels(string path, int maxLabel = 9, string? refetch = null)
    {
        refetch ??= MnistRefetch;
        var (_, data) = Read(path, expectedDims: 1, refetch);
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] > maxLabel)
            {
                throw new DataFormatException(path, $"label[{i}]", $"value {data[i]} is outside 0..{maxLabel}",
                    refetch == MnistRefetch
                        ? "The file is not an MNIST label file or is corrupt; fetch it again with `kdlabs data fetch mnist`."
                        : $"The file is not a label file of this data set or is corrupt. {refetch}");
            }
        }
        return data;
    }

    private static (int[] Dims, byte[] Data) Read(string path, int expectedDims, string refetch)
    {
        RegularFile.Require(path, "file", refetch == MnistRefetch ? "Set the data folder (Lab.DataDirectory) to a folder holding the real IDX files, or run `kdlabs data fetch mnist`." : refetch);
        if (!File.Exists(path))
        {
            throw new DataFormatException(path, "file", "not found", refetch == MnistRefetch ? "Run `kdlabs data fetch mnist` to download it." : refetch);
        }
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 4)
        {
            throw new DataFormatException(path, "header", $"file is {bytes.Length} bytes, shorter than the 4-byte magic number", refetch);
        }
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(bytes);
        uint expectedMagic = (uint)((UnsignedByte << 8) | expectedDims);
        if (magic != expectedMagic)
        {
            throw new DataFormatException(path, "magic number", $"0x{magic:X8}, expected 0x{expectedMagic:X8} (unsigned bytes, {expectedDims} dimension(s))",
                $"Is this the right file? {refetch}");
        }
        int headerLength = 4 + 4 * expectedDims;
        if (bytes.Length < headerLength)
        {
            throw new DataFormatException(path, "header", $"file is {bytes.Length} bytes, shorter than its {headerLength}-byte header", refetch);
        }
        var dims = new int[expectedDims];
        long elements = 1;
        for (int d = 0; d < expectedDims; d++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            if (size == 0 || size > int.MaxValue)
            {
                throw new DataFormatException(path, $"dimension {d}", $"size {size} is not a positive 32-bit count", refetch);
            }
            dims[d] = (int)size;
            elements *= size;
        }
        long expectedLength = headerLength + elements;
        if (bytes.Length != expectedLength)
        {
            string what = bytes.Length < expectedLength ? "truncated" : "longer than its header says";
            throw new DataFormatException(path, "length", $"file is {bytes.Length} bytes but its header ({string.Join("×", dims)}) needs {expectedLength}: {what}", refetch);
        }
        return (dims, bytes.AsSpan(headerLength).ToArray());
    }
}
