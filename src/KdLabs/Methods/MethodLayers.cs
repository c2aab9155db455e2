namespace KdLabs.Methods;

/// <summary>The check feature methods' options share for the layer names they read from the networks' feature maps.</summary>
internal static class MethodLayers
{
    /// <summary>Throws (naming <paramref name="setting"/>) when a layer name is empty; which names exist depends on the lab's networks, so the plan checks the rest.</summary>
    public static void Check(IEnumerable<string> layers, string setting)
    {
        if (layers.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException($"{setting} must name layers of the networks' feature maps (e.g. conv1, conv2); one is empty.", setting);
        }
    }
}
