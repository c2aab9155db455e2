using KdLabs.Data;
using KdLabs.Infrastructure;
using TorchSharp.PyBridge;

namespace KdLabs.Models;

/// <summary>
/// The ImageNet-trained ResNet the kit can start lesson 03's teacher from: ML.NET's image featurizer package ships a CNTK
/// export of an ImageNet ResNet feature extractor as ResNet18.onnx (input 1×3×224×224 BGR 0–255 pixels minus a mean image,
/// output the 512 pooled features). Its last stage has three basic blocks, not torchvision's two (22 convolutions,
/// 15.9 M parameters without a head), so it loads into <see cref="ResNet18"/> built with <see cref="StageBlocks"/>.
/// Fetched by package name through NuGet on first use, SHA-256 verified, converted once (<see cref="OnnxResNet"/>) into a
/// safetensors file under the data folder whose conv1 takes the kit's ImageNet-normalised RGB input; never committed.
/// </summary>
public static class ImageNetResNet
{
    /// <summary>The ONNX file and the package that carries it.</summary>
    public static NuGetPackageFile Onnx { get; } = new("Microsoft.ML.DnnImageFeaturizer.ResNet18", "0.24.0",
        "tools/DnnImageModels/ResNet18Onnx/ResNet18.onnx", "e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f");

    /// <summary>Basic blocks per stage of the ONNX network, as the graph walk finds them.</summary>
    public static IReadOnlyList<int> StageBlocks { get; } = [2, 2, 2, 3];

    /// <summary>The folder for fetched and converted weights: <c>data/pretrained</c>.</summary>
    public static string Directory => Path.Combine(KdLabsPaths.DataDirectory, "pretrained");

    /// <summary>Where the fetched ONNX file is kept.</summary>
    public static string OnnxPath => Path.Combine(Directory, "mlnet-resnet18-imagenet.onnx");

    /// <summary>Where the converted weights (torchvision names, conv1 adapted to the kit's input) are kept.</summary>
    public static string WeightsPath => Path.Combine(Directory, "mlnet-resnet18-imagenet.safetensors");

    /// <summary>
    /// The converted weights' path, fetching and converting first when needed. Throws <see cref="UserErrorException"/>
    /// (NuGet unreachable, no dotnet SDK) or <see cref="DataFormatException"/> (wrong checksum, unexpected graph).
    /// </summary>
    public static string EnsureWeights(Action<string>? log = null)
    {
        Onnx.EnsurePresent(OnnxPath, log);
        if (File.Exists(WeightsPath))
        {
            return WeightsPath;
        }
        using var weights = OnnxResNet.Read(OnnxPath);
        if (!weights.StageBlocks.SequenceEqual(StageBlocks))
        {
            throw new DataFormatException(OnnxPath, "stages", $"[{string.Join(", ", weights.StageBlocks)}] basic blocks per stage, expected [{string.Join(", ", StageBlocks)}]",
                $"Delete {OnnxPath} to fetch {Onnx.Describe()} again.");
        }
        OnnxResNet.AdaptConv1ToNormalization(weights.StateDict, ImageNormalization.ImageNet.Std);
        AtomicFile.Write(WeightsPath, tmp => Safetensors.SaveStateDict(tmp, weights.StateDict));
        log?.Invoke($"converted {weights.StateDict.Count} tensors of {Path.GetFileName(OnnxPath)} to {WeightsPath}");
        return WeightsPath;
    }

    /// <summary>
    /// <see cref="EnsureWeights"/>, or null with the reason when the weights cannot be had (offline, no SDK), for callers
    /// that fall back to a teacher trained from scratch.
    /// </summary>
    public static string? TryEnsureWeights(out string? reason, Action<string>? log = null)
    {
        try
        {
            reason = null;
            return EnsureWeights(log);
        }
        catch (UserErrorException e)
        {
            reason = e.Message;
            return null;
        }
    }
}
