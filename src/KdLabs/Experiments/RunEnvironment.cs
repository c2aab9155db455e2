using System.Runtime.InteropServices;

namespace KdLabs.Experiments;

/// <summary>Describes the machine a result came from, for reports that must say where numbers were measured.</summary>
public static class RunEnvironment
{
    /// <summary>
    /// E.g. "Debian GNU/Linux 13, 2 cores (AMD EPYC …), .NET 10.0.1, TorchSharp 0.107.0, CPU", ending in the device the
    /// numbers were measured on ("CPU", or e.g. "cuda:0").
    /// </summary>
    public static string Describe(Infrastructure.ComputeDevice? device = null)
    {
        string cpu = "";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "";
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        string torchSharp = typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3) ?? "?";
        return $"{RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores{(cpu.Length > 0 ? $" ({cpu})" : "")}, .NET {Environment.Version}, TorchSharp {torchSharp}, {(device is null || device.Device.type == TorchSharp.DeviceType.CPU ? "CPU" : device.Name)}";
    }
}
