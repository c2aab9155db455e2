using KdLabs.Data;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>Where a distillation objective gets the teacher's logits for a batch.</summary>
public interface ITeacherSignal
{
    /// <summary>Describes the source, e.g. "cached logits of teacher 3f2a… on mnist-train".</summary>
    string Description { get; }

    /// <summary>What identifies the signal in a <see cref="RunKey"/>: how logits are produced and the teacher's weights (and data, for caches).</summary>
    System.Text.Json.Nodes.JsonObject RunIdentity { get; }

    /// <summary>Teacher logits for the batch's samples, in the batch's order; no gradient.</summary>
    Tensor LogitsFor(Batch batch);

    /// <summary>Throws when this source cannot serve batches of <paramref name="train"/> as augmented.</summary>
    void CheckCompatible(InMemoryDataset train, IBatchAugmentation? augmentation);
}
