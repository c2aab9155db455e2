using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>What one training step produced: the loss to minimise and the logits used for accuracy.</summary>
public sealed record StepResult(Tensor Loss, Tensor Logits);
