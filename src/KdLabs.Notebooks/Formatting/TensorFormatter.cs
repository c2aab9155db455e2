using System.Globalization;
using System.Text;
using KdLabs.Notebooks.Format;
using TorchSharp;
using static TorchSharp.torch;

namespace KdLabs.Notebooks.Formatting;

/// <summary>
/// A TorchSharp tensor as its shape, dtype, device and the first few values (flattened), in text and HTML.
/// Printing a whole tensor is rarely what a learner wants and can be huge.
/// </summary>
public sealed class TensorFormatter : IValueFormatter
{
    /// <inheritdoc />
    public bool CanFormat(object value) => value is Tensor;

    /// <inheritdoc />
    public MimeBundle Format(object value, FormatContext context)
    {
        var tensor = (Tensor)value;
        if (tensor.IsInvalid)
        {
            return new MimeBundle().Set("text/plain", "Tensor (disposed)");
        }

        var shape = "[" + string.Join(", ", tensor.shape) + "]";
        var dtype = tensor.dtype.ToString();
        var device = tensor.device.ToString();
        var count = tensor.numel();
        var preview = Preview(tensor, context.MaxTensorElements);
        var more = count > preview.Count ? $", ... ({count} values)" : "";

        var text = $"Tensor shape={shape} dtype={dtype} device={device}\n[{string.Join(", ", preview)}{more}]";

        var html = new StringBuilder();
        html.Append("<div class=\"kd-tensor\"><table><tbody>")
            .Append($"<tr><th>shape</th><td><code>{Html.Encode(shape)}</code></td></tr>")
            .Append($"<tr><th>dtype</th><td><code>{Html.Encode(dtype)}</code></td></tr>")
            .Append($"<tr><th>device</th><td><code>{Html.Encode(device)}</code></td></tr>")
            .Append($"<tr><th>values</th><td><code>[{Html.Encode(string.Join(", ", preview) + more)}]</code></td></tr>")
            .Append("</tbody></table></div>");

        return new MimeBundle().Set("text/plain", text).Set("text/html", html.ToString());
    }

    /// <summary>The first <paramref name="max"/> values in row-major order, formatted invariantly.</summary>
    public static IReadOnlyList<string> Preview(Tensor tensor, int max)
    {
        var count = (int)Math.Min(max, tensor.numel());
        if (count == 0)
        {
            return [];
        }

        if (tensor.dtype is ScalarType.ComplexFloat32 or ScalarType.ComplexFloat64)
        {
            return ["(complex values not previewed)"];
        }

        // Work on a detached CPU copy of just the first values, so formatting never touches autograd or large memory.
        using var flat = tensor.detach().cpu().flatten();
        using var head = flat.slice(0, 0, count, 1);
        using var asDouble = head.to_type(ScalarType.Float64);
        var values = asDouble.data<double>().ToArray();
        var isBool = tensor.dtype == ScalarType.Bool;
        var isIntegral = tensor.dtype is ScalarType.Byte or ScalarType.Int8 or ScalarType.Int16 or ScalarType.Int32 or ScalarType.Int64;
        return values.Select(v => isBool ? (v != 0 ? "true" : "false")
                : isIntegral ? ((long)v).ToString(CultureInfo.InvariantCulture)
                : v.ToString("G5", CultureInfo.InvariantCulture))
            .ToList();
    }
}
