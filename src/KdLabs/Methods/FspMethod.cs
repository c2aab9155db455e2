using KdLabs.Data;
using KdLabs.Losses;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Methods;

/// <summary>Settings of FSP.</summary>
internal sealed record FspOptions
{
    /// <summary>First layer of the flow matrix G(first, second).</summary>
    public string FirstLayer { get; init; } = "conv1";

    /// <summary>Second layer of the flow matrix.</summary>
    public string SecondLayer { get; init; } = "conv2";

    /// <summary>Throws (marked as a setting: <see cref="Infrastructure.OptionsValidation"/>) when a layer name is empty.</summary>
    public void Validate() => Infrastructure.OptionsValidation.Run(() =>
    {
        MethodLayers.Check([FirstLayer], nameof(FirstLayer));
        MethodLayers.Check([SecondLayer], nameof(SecondLayer));
    });
}

/// <summary>FSP: match the teacher's flow matrix through 1×1 connectors (<see cref="FspObjective"/>, stage-one epochs), then the labels (the rest).</summary>
internal sealed class FspMethod : IDistillationMethod
{
    /// <summary>Creates the method; <paramref name="options"/> null is the defaults.</summary>
    public FspMethod(FspOptions? options = null)
    {
        Settings = options ?? new FspOptions();
        Settings.Validate();
    }

    /// <summary>Its settings.</summary>
    public FspOptions Settings { get; }

    /// <inheritdoc />
    public string Key => "fsp";

    /// <inheritdoc />
    public string Title => "FSP (flow → labels)";

    /// <inheritdoc />
    public string Knowledge => "the flow between two layers";

    /// <inheritdoc />
    public MethodPaper? Paper => new("Yim, Joo, Bae & Kim", 2017,
        "A Gift from Knowledge Distillation: Fast Optimization, Network Minimization and Transfer Learning");

    /// <inheritdoc />
    public object Options => Settings;

    /// <inheritdoc />
    public IReadOnlyList<LossTerm> Terms => [new("fsp", "stage 1: squared distance of the flow matrices G(first, second) (FspLoss)"), new("ce", "stage 2: CE(y, s)")];

    /// <inheritdoc />
    public MethodPlan Plan(MethodContext context)
    {
        var student = context.NewStudent();
        context.SeedAdapters();
        var adapters = new Dictionary<string, nn.Module<Tensor, Tensor>>();
        foreach (var layer in new[] { Settings.FirstLayer, Settings.SecondLayer })
        {
            adapters[FspObjective.ConnectorName(layer)] = nn.Conv2d(context.Channels(student, layer), context.Channels(context.Teacher, layer), 1);
        }
        var adapted = new AdaptedStudent(student, adapters);
        return new MethodPlan(student,
        [
            new MethodStage("fsp", "FSP stage", StageEpochs.StageOne, adapted, new FspObjective(context.FeatureTeacher(), Settings.FirstLayer, Settings.SecondLayer), adapters.Values.ToList()),
            new MethodStage("labels", "label stage", StageEpochs.Rest, student, new SupervisedObjective()),
        ], adapted.AdapterParameterCount, []);
    }
}

/// <summary>
/// Stage one of FSP distillation (Yim et al. 2017): the student learns to reproduce the teacher's flow matrices
/// G(first, second) with <see cref="FspLoss"/>, labels unused; stage two trains it on the labels. Two adaptations
/// for this kit's networks, both stated in lesson 06: the first layer is centre-cropped to the second's H × W (a
/// valid 3×3 convolution shrinks each side by one, so the centre is the receptive-field-aligned part), and because
/// the student is thinner than the teacher each student layer passes through a learned 1×1 connector
/// (adapters <see cref="ConnectorName"/>) to the teacher's channel count; the paper's pairs had equal widths.
/// </summary>
internal sealed class FspObjective(FeatureTeacher teacher, string firstLayer, string secondLayer) : ITrainingObjective
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

/// <summary>
/// The "flow of solution procedure" loss (Yim et al. 2017, "A Gift from Knowledge Distillation: Fast
/// Optimization, Network Minimization and Transfer Learning"). For two layers F1 (m channels) and
/// F2 (n channels) of the same H × W the FSP matrix is
/// <code>G_ij = Σ_{h,w} F1[i, h, w] · F2[j, h, w] / (H·W)</code>
/// (m × n per sample), and the loss is
/// <code>L = mean over pairs of [ mean over batch of ‖G_s − G_t‖²_F ]</code>
/// the squared Frobenius norm summed over the m·n entries, equal weights λ_i as in the paper.
/// Normalisation: RepDistiller's FSP takes the mean over entries too ((G_s − G_t)².mean()), i.e.
/// divides each pair by a further m·n; scale the loss weight by that to compare. Student and teacher
/// pairs must have the same channel counts, since G's shape depends on them.
/// </summary>
internal static class FspLoss
{
    /// <summary>The FSP matrix G (batch × m × n) of two batch × C × H × W layers with the same batch and H × W.</summary>
    public static Tensor Matrix(Tensor first, Tensor second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.dim() != 4 || second.dim() != 4 || first.shape[0] != second.shape[0] || first.shape[2] != second.shape[2] || first.shape[3] != second.shape[3])
        {
            throw new ArgumentException($"FSP needs two batch × C × H × W layers with the same batch and H × W, got [{string.Join(", ", first.shape)}] and [{string.Join(", ", second.shape)}]; pool the larger one first.");
        }
        long n = first.shape[0];
        long hw = first.shape[2] * first.shape[3];
        var a = first.reshape(n, first.shape[1], hw);
        var b = second.reshape(n, second.shape[1], hw);
        return a.bmm(b.transpose(1, 2)) / hw;
    }

    /// <summary>
    /// The loss over layer pairs: student pair k gives G_s, teacher pair k gives G_t. Gradients reach
    /// the student features only: the teacher's are detached.
    /// </summary>
    public static Tensor Compute(IReadOnlyList<(Tensor First, Tensor Second)> studentPairs, IReadOnlyList<(Tensor First, Tensor Second)> teacherPairs)
    {
        ArgumentNullException.ThrowIfNull(studentPairs);
        ArgumentNullException.ThrowIfNull(teacherPairs);
        if (studentPairs.Count != teacherPairs.Count || studentPairs.Count == 0)
        {
            throw new ArgumentException($"Expected the same non-zero number of student and teacher layer pairs, got {studentPairs.Count} and {teacherPairs.Count}.");
        }
        Tensor? total = null;
        for (int k = 0; k < studentPairs.Count; k++)
        {
            var gs = Matrix(studentPairs[k].First, studentPairs[k].Second);
            var gt = Matrix(teacherPairs[k].First.detach(), teacherPairs[k].Second.detach());
            if (!gs.shape.SequenceEqual(gt.shape))
            {
                throw new ArgumentException($"Pair {k}: student FSP matrix [{string.Join(", ", gs.shape)}] and teacher's [{string.Join(", ", gt.shape)}] differ; FSP needs equal channel counts (add a projection first).");
            }
            var term = (gs - gt).pow(2).sum() / gs.shape[0];
            total = total is null ? term : total + term;
        }
        return total! / studentPairs.Count;
    }
}
