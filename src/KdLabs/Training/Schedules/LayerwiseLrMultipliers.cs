using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace KdLabs.Training.Schedules;

/// <summary>
/// One stage of <see cref="LayerwiseLrMultipliers"/>: its parameters train at base × <see cref="Multiplier"/>;
/// <see cref="WeightDecay"/> overrides the optimizer's weight decay for this stage when set.
/// </summary>
internal sealed record LayerwiseStage(IReadOnlyList<Parameter> Parameters, double Multiplier, double? WeightDecay = null);

/// <summary>
/// Per-stage learning rates (e.g. a pretrained backbone at 0.1× and a new head at 1×, as in
/// fine-tuning and SSLD's ImageNet-1k finetune stage): builds one TorchSharp parameter group per
/// stage with LR = base × multiplier and an explicit weight decay.
/// <para>
/// Why explicit: in TorchSharp 0.107 (src/TorchSharp/Optimizers/SGD.cs, AdamW.cs) <c>add_param_group</c>
/// fills only the options a group leaves null from the optimizer's defaults, but the convenience
/// constructor <c>new SGD.ParamGroup(params, lr: x)</c> sets every option, so weight_decay (and SGD
/// momentum) silently become 0 whatever the optimizer was given. Groups here carry an
/// <c>Options</c> object with LR and weight decay set and everything else null (inherited).
/// </para>
/// </summary>
internal sealed class LayerwiseLrMultipliers
{
    private readonly LayerwiseStage[] stages;

    /// <summary>Creates the stages; multipliers and weight decays must be finite and ≥ 0, and no parameter may appear twice.</summary>
    public LayerwiseLrMultipliers(IEnumerable<LayerwiseStage> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        this.stages = stages.Select(s => s with { Parameters = s.Parameters.ToArray() }).ToArray();
        if (this.stages.Length == 0)
        {
            throw new ArgumentException("At least one stage is needed.", nameof(stages));
        }
        var seen = new HashSet<IntPtr>();
        for (int i = 0; i < this.stages.Length; i++)
        {
            var stage = this.stages[i];
            if (!(stage.Multiplier >= 0) || double.IsInfinity(stage.Multiplier))
            {
                throw new ArgumentOutOfRangeException(nameof(stages), stage.Multiplier, $"Stage {i}: the LR multiplier must be a finite number ≥ 0.");
            }
            if (stage.WeightDecay is double wd && (!(wd >= 0) || double.IsInfinity(wd)))
            {
                throw new ArgumentOutOfRangeException(nameof(stages), wd, $"Stage {i}: weight decay must be a finite number ≥ 0.");
            }
            if (stage.Parameters.Count == 0)
            {
                throw new ArgumentException($"Stage {i} has no parameters.", nameof(stages));
            }
            foreach (var p in stage.Parameters)
            {
                // A parameter in two groups would be updated twice per step.
                if (!seen.Add(p.Handle))
                {
                    throw new ArgumentException($"Stage {i} repeats a parameter that an earlier stage already holds; each parameter belongs to exactly one stage.", nameof(stages));
                }
            }
        }
    }

    /// <summary>Creates the stages from (parameters, multiplier) pairs, all using the optimizer's weight decay.</summary>
    public static LayerwiseLrMultipliers FromStages(params (IEnumerable<Parameter> Parameters, double Multiplier)[] stages) =>
        new(stages.Select(s => new LayerwiseStage(s.Parameters.ToArray(), s.Multiplier)));

    /// <summary>The stages, in order; parameter group i of an optimizer built here is stage i.</summary>
    public IReadOnlyList<LayerwiseStage> Stages => stages;

    /// <summary>SGD parameter groups: LR = base × multiplier, weight decay = the stage's or <paramref name="weightDecay"/>.</summary>
    public SGD.ParamGroup[] SgdGroups(double baseLearningRate, double weightDecay) =>
        stages.Select(s => new SGD.ParamGroup(s.Parameters, new SGD.Options
        {
            LearningRate = baseLearningRate * s.Multiplier,
            weight_decay = s.WeightDecay ?? weightDecay,
        })).ToArray();

    /// <summary>AdamW parameter groups: LR = base × multiplier, weight decay = the stage's or <paramref name="weightDecay"/>.</summary>
    public AdamW.ParamGroup[] AdamWGroups(double baseLearningRate, double weightDecay) =>
        stages.Select(s => new AdamW.ParamGroup(s.Parameters, new AdamW.Options
        {
            LearningRate = baseLearningRate * s.Multiplier,
            weight_decay = s.WeightDecay ?? weightDecay,
        })).ToArray();

    /// <summary>SGD over the stages; momentum and Nesterov are shared, LR and weight decay are per stage.</summary>
    public SGD CreateSgd(double baseLearningRate, double momentum = 0, double weightDecay = 0, bool nesterov = false)
    {
        ValidateBase(baseLearningRate);
        return optim.SGD(SgdGroups(baseLearningRate, weightDecay), baseLearningRate, momentum: momentum, weight_decay: weightDecay, nesterov: nesterov);
    }

    /// <summary>AdamW over the stages; betas and ε are shared, LR and weight decay are per stage.</summary>
    public AdamW CreateAdamW(double baseLearningRate, double weightDecay = 0.01, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    {
        ValidateBase(baseLearningRate);
        return optim.AdamW(AdamWGroups(baseLearningRate, weightDecay), baseLearningRate, beta1, beta2, eps, weightDecay);
    }

    private static void ValidateBase(double baseLearningRate)
    {
        if (!(baseLearningRate > 0) || double.IsInfinity(baseLearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(baseLearningRate), baseLearningRate, "The base learning rate must be a finite number greater than 0.");
        }
    }
}
