using TorchSharp.Modules;

namespace KdLabs.Models;

/// <summary>One named stage of a network and its parameters, in forward order.</summary>
internal sealed record ModelStage(string Name, IReadOnlyList<Parameter> Parameters);

/// <summary>
/// A network that lists its stages from input to output, so fine-tuning can give each its own learning rate
/// (layer-wise multipliers, as in SSLD's final fine-tune) without knowing the module's field names.
/// </summary>
internal interface IStagedModel
{
    /// <summary>The stages, from input to output; every trainable parameter appears in exactly one.</summary>
    IReadOnlyList<ModelStage> Stages();
}
