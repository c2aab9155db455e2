using System.Globalization;
using System.Text;
using KdLabs.Data;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>
/// Trains a student with a <see cref="LogitLoss"/> written by the learner, fed like the kit's own logit methods: the
/// student's forward pass, the teacher signal's logits for the batch (cached when the inputs are not augmented) and the labels.
/// <para>
/// A lambda has no settings to put in a <see cref="RunKey"/>, so the run is identified by what the loss does: its value and
/// its gradient on a fixed probe batch (<see cref="BehaviourFingerprint"/>). Re-running a notebook with the same loss reuses
/// the finished run; changing the loss (a line, a captured α or T) changes the fingerprint and trains again.
/// </para>
/// </summary>
internal sealed class LearnerLogitObjective(string name, LogitLoss loss, ITeacherSignal teacher) : ITrainingObjective
{
    private string? fingerprint;

    /// <summary>The learner's name for the loss, e.g. "my KD".</summary>
    public string Name { get; } = LearnerName.Required(name, "my KD");

    /// <summary>The learner's loss.</summary>
    public LogitLoss Loss { get; } = loss ?? throw new ArgumentNullException(nameof(loss));

    /// <summary>Where teacher logits come from.</summary>
    public ITeacherSignal Teacher { get; } = teacher ?? throw new ArgumentNullException(nameof(teacher));

    /// <inheritdoc />
    public string Description => $"{Name} (a loss written in a cell) from {Teacher.Description}";

    /// <summary>SHA-256 (16 hex digits) of the loss's value and gradient on a fixed probe batch of 8 × 10 logits, or of a fresh GUID when the probe throws.</summary>
    public string BehaviourFingerprint => fingerprint ??= Probe(Loss);

    /// <inheritdoc />
    public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("learner-logit-loss", new { Name, Behaviour = BehaviourFingerprint, Teacher = Teacher.RunIdentity });

    /// <inheritdoc />
    public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation) => Teacher.CheckCompatible(train, augmentation);

    /// <inheritdoc />
    public StepResult Step(nn.Module<Tensor, Tensor> model, Batch batch)
    {
        var logits = model.forward(batch.Inputs);
        return new StepResult(LearnerLossCheck.Checked(Loss(logits, Teacher.LogitsFor(batch), batch.Labels), Name), logits);
    }

    private static string Probe(LogitLoss loss)
    {
        // System.Random, not torch's generator: probing must not move the global stream that seeds students and dropout.
        var random = new Random(20150309);
        float[] Draw(int n) => Enumerable.Range(0, n).Select(_ => (float)(3 * (random.NextDouble() * 2 - 1))).ToArray();
        using var scope = NewDisposeScope();
        try
        {
            var s = tensor(Draw(80), [8, 10]).requires_grad_();
            var t = tensor(Draw(80), [8, 10]);
            var y = tensor(Enumerable.Range(0, 8).Select(i => (long)random.Next(10)).ToArray());
            var value = loss(s, t, y);
            var text = new StringBuilder(value.to_type(ScalarType.Float64).sum().item<double>().ToString("R", CultureInfo.InvariantCulture));
            if (value.requires_grad && value.numel() == 1)
            {
                value.backward();
                foreach (float g in s.grad!.data<float>())
                {
                    text.Append(',').Append(g.ToString("R", CultureInfo.InvariantCulture));
                }
            }
            return Infrastructure.TextHash.Sha256(text.ToString())[..16];
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A loss that cannot run on the probe (fixed shapes, another class count) fails, if at all, on the first
            // training step with its own message; until then it is a run like no other.
            return "unprobed-" + Guid.NewGuid().ToString("N")[..16];
        }
    }
}
