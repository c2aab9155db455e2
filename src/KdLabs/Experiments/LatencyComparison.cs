using KdLabs.Infrastructure;

namespace KdLabs.Experiments;

/// <summary>
/// Latency (median ms per image, batch 1) of teacher and student, at the run's size and at 224 px, timed on
/// <paramref name="Device"/> ("CPU", or e.g. "cuda:0": the benchmark runs where the models are).
/// </summary>
public sealed record LatencyComparison(int ImageSize, double TeacherMs, double StudentMs, double TeacherMs224, double StudentMs224, string Device)
{
    /// <summary>The name a latency is labelled with: "CPU", or the accelerator's device name (as <see cref="RunEnvironment.Describe"/> ends).</summary>
    public static string DeviceLabel(ComputeDevice device) => device.Device.type == TorchSharp.DeviceType.CPU ? "CPU" : device.Name;

    /// <summary>Teacher ÷ student at the run's size.</summary>
    public double Speedup => TeacherMs / StudentMs;

    /// <summary>Teacher ÷ student at 224 px (NaN when not measured).</summary>
    public double Speedup224 => TeacherMs224 / StudentMs224;
}
