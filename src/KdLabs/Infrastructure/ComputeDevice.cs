using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace KdLabs.Infrastructure;

/// <summary>
/// The device a lab trains and evaluates on, chosen from <c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or
/// <c>mps</c>, with the reason for the choice. <c>auto</c> takes CUDA when <c>torch.cuda.is_available()</c> and the CPU
/// otherwise. Asking for a device that is not there throws an <see cref="ArgumentException"/> naming what is missing
/// (a CPU-only backend, no GPU, too few GPUs): a run never falls back to the CPU silently.
/// </summary>
/// <remarks>
/// The kit's rule is that everything follows the data: a lab moves its datasets to <see cref="Device"/> once, the trainer
/// moves each model to its training set's device, and every tensor a loss creates takes the device of its inputs.
/// </remarks>
public sealed record ComputeDevice(Device Device, string Requested, string Reason)
{
    /// <summary>The accepted spellings, for help texts and error messages.</summary>
    public const string Choices = "auto, cpu, cuda, cuda:N or mps";

    /// <summary>The CPU, as asked for.</summary>
    public static ComputeDevice Cpu { get; } = new(CPU, "cpu", "requested");

    /// <summary>True for a CUDA device (its kernels run asynchronously: see <see cref="Synchronize"/>).</summary>
    public bool IsCuda => Device.type == DeviceType.CUDA;

    /// <summary>"cpu", "cuda:0", "mps".</summary>
    public string Name => Device.type switch
    {
        DeviceType.CUDA => $"cuda:{Math.Max(0, Device.index)}",
        DeviceType.MPS => "mps",
        _ => Device.type.ToString().ToLowerInvariant(),
    };

    /// <summary>E.g. "device: cpu (auto: no CUDA device; the loaded TorchSharp backend is CPU-only; …)".</summary>
    public string Describe() => $"device: {Name} ({Reason})";

    /// <summary>Checks the spelling of <paramref name="requested"/> without looking for the device; throws naming the choices.</summary>
    public static void Validate(string? requested) => OptionsValidation.Run(() => _ = Parse(requested));

    /// <summary>
    /// The device <paramref name="requested"/> names (null or empty = auto), after checking it is there. A device that is
    /// not there is the user's setting (<c>--device</c>), so the error is marked as an option's (<see cref="OptionsValidation"/>).
    /// </summary>
    public static ComputeDevice Resolve(string? requested)
    {
        ComputeDevice? device = null;
        OptionsValidation.Run(() => device = ResolveChecked(requested));
        return device!;
    }

    private static ComputeDevice ResolveChecked(string? requested)
    {
        var (kind, index) = Parse(requested);
        string asked = string.IsNullOrWhiteSpace(requested) ? "auto" : requested.Trim().ToLowerInvariant();
        switch (kind)
        {
            case "cpu":
                return Cpu;
            case "auto":
                return cuda.is_available()
                    ? new ComputeDevice(new Device(DeviceType.CUDA, 0), asked, $"auto: CUDA is available ({cuda.device_count()} device(s))")
                    : new ComputeDevice(CPU, asked, $"auto: no CUDA device; {WhyNoCuda()}");
            case "mps":
                return mps_is_available()
                    ? new ComputeDevice(new Device(DeviceType.MPS), asked, "requested")
                    : throw new ArgumentException("Device 'mps': this is not an Apple-silicon Mac with MPS. Use cpu or auto.");
            default:
                if (!cuda.is_available())
                {
                    throw new ArgumentException($"Device '{asked}': CUDA is not available, {WhyNoCuda()}. Use cpu or auto.");
                }
                int count = cuda.device_count();
                int i = index ?? 0;
                return i < count
                    ? new ComputeDevice(new Device(DeviceType.CUDA, i), asked, "requested")
                    : throw new ArgumentException($"Device '{asked}': this machine has {count} CUDA device(s), cuda:0 to cuda:{count - 1}.");
        }
    }

    /// <summary>Waits for the device's queued kernels, so a clock read afterwards measures work done (a no-op off CUDA).</summary>
    public static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            cuda.synchronize(device);
        }
    }

    /// <summary>The device of a module's first parameter or buffer (the CPU for a module with neither).</summary>
    public static Device Of(nn.Module module) =>
        module.parameters().Select(p => p.device).Concat(module.buffers().Select(b => b.device)).FirstOrDefault() ?? CPU;

    private static (string Kind, int? Index) Parse(string? requested)
    {
        string s = string.IsNullOrWhiteSpace(requested) ? "auto" : requested.Trim().ToLowerInvariant();
        if (s is "auto" or "cpu" or "cuda" or "mps")
        {
            return (s, null);
        }
        if (s.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(s.AsSpan(5), System.Globalization.NumberStyles.None, null, out int n))
        {
            return ("cuda", n);
        }
        throw new ArgumentException($"Device '{requested}' is not one of {Choices}.", "Device");
    }

    /// <summary>Why <c>torch.cuda.is_available()</c> said no: a CPU-only backend, or a CUDA backend without a usable GPU.</summary>
    private static string WhyNoCuda()
    {
        bool cudaBackend;
        try
        {
            // libtorch_cuda (torch_cuda.dll on Windows) is loaded only by a CUDA backend package.
            cudaBackend = Process.GetCurrentProcess().Modules.Cast<ProcessModule>()
                .Any(m => m.ModuleName.Contains("torch_cuda", StringComparison.OrdinalIgnoreCase));
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return "torch.cuda.is_available() is false";
        }
        return cudaBackend
            ? "a CUDA backend is loaded but finds no usable GPU; check the NVIDIA driver and CUDA_VISIBLE_DEVICES"
            : "the loaded TorchSharp backend is CPU-only; a GPU needs TorchSharp-cuda-linux (or -windows) 0.107.0";
    }
}
