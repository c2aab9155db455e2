namespace KdLabs.Datasets;

/// <summary>The shape of one input image, channels × height × width, as models and latency benchmarks take it.</summary>
public readonly record struct ImageShape(int Channels, int Height, int Width)
{
    /// <summary>MNIST's and Fashion-MNIST's 1×28×28: every model's default input.</summary>
    public static ImageShape Mnist { get; } = new(1, 28, 28);

    /// <summary>Values per image, C·H·W (an MLP's input width).</summary>
    public int Pixels => Channels * Height * Width;

    /// <summary>The shape as a tensor shape without the batch dimension, [C, H, W].</summary>
    public long[] ToArray() => [Channels, Height, Width];

    /// <inheritdoc />
    public override string ToString() => $"{Channels}×{Height}×{Width}";
}
