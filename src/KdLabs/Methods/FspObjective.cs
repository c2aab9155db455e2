using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Methods;

/// <summary>
/// Stage one of FSP distillation (Yim et al. 2017): the student learns to reproduce the teacher's flow matrices
/// G(first, second) with <see cref="FspLoss"/>, labels unused; stage two trains it on the labels. Two adaptations
/// for this kit's networks, both stated in lesson 06: the first layer is centre-cropped to the second's H × W (a
/// valid 3×3 convolution shrinks each side by one, so the centre is the receptive-field-aligned part), and because
/// the student is thinner than the teacher each student layer passes through a learned 1×1 connector
/// (adapters <see cref="ConnectorName"/>) to the teacher's channel count; the paper's pairs had equal widths.
/// </summary>
public sealed class FspObjective(FeatureTeacher teacher, string firstLayer, string secondLayer) : ITrainingObjective
{
    /// <summary>The adapter name of the connector of student layer <paramref name="layer"/>.</summary>
    public static string ConnectorName(string layer) => $"fsp_{layer}";

    /// <inheritdoc />
    public string Description => $"FSP stage: G({firstLayer}, {secondLayer}) with 1×1 student connectors, {teacher.Description}";

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("fsp", new { FirstLayer = firstLayer, SecondLayer = secondLayer, Teacher = teacher.RunIdentity });

    /// <inheritdoc />
    public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation)
    {
    }

    /// <inheritdoc />
    public StepResult Step(nn.Module<Tensor, Tensor> model, Batch batch)
    {
        var student = model as AdaptedStudent ?? throw new ArgumentException("The FSP stage trains an AdaptedStudent that carries the 1×1 connectors.", nameof(model));
        var s = student.ForwardWithFeatures(batch.Inputs);
        var t = teacher.Run(batch.Inputs);
        var sFirst = student.Adapter(ConnectorName(firstLayer)).forward(s[firstLayer]);
        var sSecond = student.Adapter(ConnectorName(secondLayer)).forward(s[secondLayer]);
        var loss = FspLoss.Compute(
            [(CropTo(sFirst, sSecond), sSecond)],
            [(CropTo(t[firstLayer], t[secondLayer]), t[secondLayer])]);
        return new StepResult(loss, s.Logits);
    }

    /// <summary>The centre of <paramref name="map"/> with <paramref name="like"/>'s H × W (unchanged when they already match).</summary>
    public static Tensor CropTo(Tensor map, Tensor like)
    {
        long h = like.shape[2], w = like.shape[3];
        long dh = map.shape[2] - h, dw = map.shape[3] - w;
        if (dh < 0 || dw < 0 || dh % 2 != 0 || dw % 2 != 0)
        {
            throw new ArgumentException($"Cannot centre-crop a {map.shape[2]}×{map.shape[3]} map to {h}×{w}: it must be larger by an even amount on each axis.");
        }
        return dh == 0 && dw == 0 ? map : map[.., .., TensorIndex.Slice(dh / 2, dh / 2 + h), TensorIndex.Slice(dw / 2, dw / 2 + w)];
    }
}
