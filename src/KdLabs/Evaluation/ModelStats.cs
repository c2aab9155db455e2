using KdLabs.Data;
using static TorchSharp.torch;

namespace KdLabs.Evaluation;

/// <summary>Size facts about a model: parameter count and bytes on disk.</summary>
public static class ModelStats
{
    /// <summary>Number of trainable and frozen parameters (buffers such as batch-norm statistics excluded).</summary>
    public static long ParameterCount(nn.Module module) => module.parameters().Sum(p => p.numel());

    /// <summary>Size in bytes of the model's state saved in TorchSharp's format.</summary>
    public static long SizeOnDiskBytes(nn.Module module)
    {
        string path = Path.Combine(Path.GetTempPath(), $"kdlabs-size-{Guid.NewGuid():N}.bin");
        try
        {
            module.save(path);
            return new FileInfo(path).Length;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
