namespace KdLabs.Experiments;

/// <summary>Where lesson 03's ResNet teacher starts before it is trained on the radiographs.</summary>
public enum ChestXrayTeacherStart
{
    /// <summary>Random initialisation (or <see cref="ChestXrayOptions.WeightsPath"/> when set).</summary>
    Scratch,

    /// <summary>
    /// ImageNet weights: ML.NET's ResNet18.onnx (<see cref="Models.ImageNetResNet"/>), fetched through NuGet on first use,
    /// as the walk-through fine-tunes torchvision's ImageNet resnet18.
    /// </summary>
    ImageNet,
}
