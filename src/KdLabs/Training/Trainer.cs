using System.Diagnostics;
using KdLabs.Data;
using KdLabs.Evaluation;
using KdLabs.Infrastructure;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace KdLabs.Training;

/// <summary>
/// Trains a model against an <see cref="ITrainingObjective"/>: supervised and distillation runs share
/// this loop. Each batch runs in its own dispose scope; the running loss and accuracy stay on the
/// tensor side and are read back only every <see cref="TrainerOptions.ReportEvery"/> steps, which is
/// also where a NaN or infinite loss stops the run. Checkpoints are written after each epoch.
/// </summary>
public sealed class Trainer
{
    private readonly TrainerOptions options;
    private readonly ITrainingProgress progress;
    private readonly Action<string> log;

    // A running loss this many times the loss of the run's first step (or 1, if larger) means training diverged while
    // staying finite (e.g. 1e30 at a learning rate of 1e6). Healthy runs stay near or below their start, so it never fires there.
    private const double ExplosionFactor = 1e4;

    private double? firstLoss;

    // Whether the model's weights were NaN or infinite before its first step: the cause a NaN loss is explained by first.
    private bool weightsNonFiniteAtStart;

    /// <summary>
    /// Creates a trainer; <paramref name="progress"/> defaults to <see cref="TrainingProgress.Default"/>, and
    /// <paramref name="log"/> (where a resumed run says which checkpoint it continues) to standard error.
    /// </summary>
    public Trainer(TrainerOptions options, ITrainingProgress? progress = null, Action<string>? log = null)
    {
        options.Validate();
        this.options = options;
        this.progress = progress ?? TrainingProgress.Default();
        this.log = log ?? Console.Error.WriteLine;
    }

    /// <summary>The options this trainer uses.</summary>
    public TrainerOptions Options => options;

    /// <summary>Trains <paramref name="model"/> in place and returns its per-epoch metrics.</summary>
    public TrainingHistory Fit(nn.Module<Tensor, Tensor> model, InMemoryDataset train, InMemoryDataset? test,
        ITrainingObjective objective, string runName)
    {
        if (train.Count == 0)
        {
            throw new UserErrorException($"{runName}: the training split is empty, so there is nothing to train on. Check the data folder and the training-image limit.");
        }
        if (test is { Count: 0 })
        {
            throw new UserErrorException($"{runName}: the test split is empty, so accuracy cannot be measured. Check the data folder and the test-image limit.");
        }
        if (options.MaxNorm is not null && model is not Models.IMaxNormConstrained)
        {
            throw new ArgumentException($"{runName}: MaxNorm constrains the weights of a model that implements it (the MLPs); {model.GetType().Name} does not. Leave MaxNorm unset.", nameof(model));
        }
        // The model follows its training data: the lab put the data on its device once.
        model.to(train.Device);
        objective.Prepare(train, options.Augmentation);
        weightsNonFiniteAtStart = FiniteWeights.FirstNonFinite(model) is not null;
        var history = new TrainingHistory(runName);
        int firstEpoch = 1;
        firstLoss = null;
        var generation = options.CheckpointDirectory is { } dir && options.Resume ? Checkpoint.Find(dir) : null;
        var state = generation?.State;
        if (state is not null && state.OptionsFingerprint != options.Fingerprint())
        {
            throw new DataFormatException(options.CheckpointDirectory!, "training options", $"this checkpoint was written with other training options ({state.OptionsFingerprint})",
                "Use another output folder, or delete this one to start over.");
        }
        if (generation is not null && state!.Epoch < options.Epochs)
        {
            log($"{runName}: resuming from {Checkpoint.Describe(generation, options.Epochs)}");
        }
        if (generation is not null)
        {
            // Weights first: TorchSharp's load may replace parameter tensors, and an optimizer built
            // before it would keep stepping the discarded ones.
            generation.Load(model);
        }
        using var optimizer = CreateOptimizer(model);
        var scheduler = CreateScheduler(optimizer);
        var perStep = CreatePerStepSchedule(train.Count);
        if (state is not null)
        {
            generation!.LoadOptimizer(optimizer);
            history.Epochs.AddRange(state.History);
            // The loaded optimizer state carries each group's already-decayed rate, and StepLR/CosineAnnealingLR decay
            // the current rate step by step: replay from the initial rates, as the uninterrupted run did.
            foreach (var group in optimizer.ParamGroups)
            {
                group.LearningRate = group.InitialLearningRate;
            }
            for (int e = 0; e < state.Epoch; e++)
            {
                scheduler?.step();
            }
            firstEpoch = state.Epoch + 1;
        }

        return progress.Run(runName, sink =>
        {
            for (int epoch = firstEpoch; epoch <= options.Epochs; epoch++)
            {
                var metrics = RunEpoch(model, train, test, objective, optimizer, perStep, epoch, sink, runName);
                scheduler?.step();
                history.Epochs.Add(metrics);
                sink.EndEpoch(metrics);
                if (options.CheckpointDirectory is { } checkpointDir)
                {
                    Checkpoint.Save(checkpointDir, model, optimizer, new CheckpointState(epoch, options.Fingerprint(), "", history.Epochs));
                }
            }
            return history;
        });
    }

    /// <summary>
    /// The likely cause of a NaN loss among the run's own inputs, named before the learning rate is blamed: weights that
    /// were NaN before training (a damaged weights file), images that hold NaN, a teacher signal that does, or a
    /// temperature so small that logits divided by it overflow. Empty when none of them is.
    /// </summary>
    private string DivergenceCause(Batch batch, ITrainingObjective objective)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (weightsNonFiniteAtStart)
        {
            return "The model's weights were already NaN or infinite before its first step: the weights it was loaded from are damaged. Load or train it again.";
        }
        if (!isfinite(batch.Inputs).all().item<bool>())
        {
            return "The training images hold NaN or infinite values: check the data files and their normalisation.";
        }
        if (objective is DistillationObjective distillation)
        {
            if (!isfinite(distillation.Teacher.LogitsFor(batch)).all().item<bool>())
            {
                return $"The teacher's logits hold NaN or infinite values ({distillation.Teacher.Description}): a damaged teacher or logit cache. Delete it to compute it again.";
            }
            if (distillation.Loss.Temperature < 0.5)
            {
                return $"The temperature T = {distillation.Loss.Temperature:g3} is so small that the logits divided by it overflow: use T ≥ 1 (Hinton et al. used 2–20), or else lower the learning rate.";
            }
        }
        return "";
    }

    private EpochMetrics RunEpoch(nn.Module<Tensor, Tensor> model, InMemoryDataset train, InMemoryDataset? test,
        ITrainingObjective objective, OptimizerHelper optimizer, Schedules.WarmupCosineSchedule? perStep, int epoch, IProgressSink sink, string runName)
    {
        model.train();
        // Dropout draws from torch's global generator: seeding it per epoch makes a resumed run match an uninterrupted one.
        manual_seed(SeedMixer.Mix(options.Seed, epoch, 0xD0));
        int steps = BatchLoader.BatchCount(train.Count, options.BatchSize);
        sink.StartEpoch(epoch, options.Epochs, steps);
        objective.StartEpoch(epoch, steps);
        perStep?.ApplyTo(optimizer, (epoch - 1) * steps);
        double lr = optimizer.ParamGroups.First().LearningRate;

        using var lossSum = zeros(1, ScalarType.Float64, device: train.Device);
        using var correct = zeros(1, ScalarType.Int64, device: train.Device);
        long seen = 0;
        int step = 0;
        var clock = Stopwatch.StartNew();
        using var batches = BatchLoader.Batches(train, options.BatchSize, shuffle: true, options.Seed, epoch, options.Augmentation).GetEnumerator();
        while (true)
        {
            // The scope opens before MoveNext: the loader makes the batch's tensors (indices, copies, augmentation) there,
            // so they are freed with the batch instead of waiting for the finalizer.
            using var scope = NewDisposeScope();
            if (!batches.MoveNext())
            {
                break;
            }
            var batch = batches.Current;
            perStep?.ApplyTo(optimizer, (epoch - 1) * steps + step);
            optimizer.zero_grad();
            var result = objective.Step(model, batch);
            // The loss of this run's first step is the yardstick for an explosion (one read-back per run, not per step).
            firstLoss ??= result.Loss.detach().to_type(ScalarType.Float64).item<double>();
            result.Loss.backward();
            optimizer.step();
            if (options.MaxNorm is { } maxNorm)
            {
                ((Models.IMaxNormConstrained)model).ApplyMaxNorm(maxNorm);
            }
            using (no_grad())
            {
                lossSum.add_(result.Loss.detach().to_type(ScalarType.Float64) * batch.Size);
                correct.add_(result.Logits.argmax(1).eq(batch.Labels).sum());
            }
            seen += batch.Size;
            step++;
            if (step % options.ReportEvery == 0 || step == steps)
            {
                double meanLoss = lossSum.item<double>() / seen;
                if (!double.IsFinite(meanLoss))
                {
                    string kept = options.CheckpointDirectory is { } d && epoch > 1 ? $" The checkpoint of epoch {epoch - 1} in {d} is intact." : "";
                    string cause = DivergenceCause(batch, objective);
                    throw new TrainingDivergedException($"{runName}: the training loss became {meanLoss} in epoch {epoch} by step {step} (learning rate {lr:g3}). Training stopped.{kept} "
                        + (cause.Length > 0 ? cause : "No input, weight or teacher logit was NaN. Lower the learning rate."));
                }
                if (Math.Abs(meanLoss) > ExplosionFactor * Math.Max(1.0, Math.Abs(firstLoss!.Value)))
                {
                    string kept = options.CheckpointDirectory is { } d && epoch > 1 ? $" The checkpoint of epoch {epoch - 1} in {d} is intact." : " Nothing from this run was saved.";
                    throw new TrainingDivergedException($"{runName}: the training loss exploded to {meanLoss:g3} in epoch {epoch} by step {step}, from {firstLoss.Value:g3} at the start (learning rate {lr:g3}). Training stopped.{kept} Lower the learning rate.");
                }
                sink.Update(step, meanLoss, (double)correct.item<long>() / seen, seen / clock.Elapsed.TotalSeconds);
            }
        }
        ComputeDevice.Synchronize(train.Device);
        clock.Stop();
        double trainLoss = lossSum.item<double>() / seen;
        double trainAccuracy = (double)correct.item<long>() / seen;
        bool evaluate = test is not null && (epoch % options.EvaluateEvery == 0 || epoch == options.Epochs);
        double testAccuracy = evaluate ? Accuracy(model, test!, sink) : double.NaN;
        return new EpochMetrics(epoch, trainLoss, trainAccuracy, testAccuracy, lr, clock.Elapsed.TotalSeconds, seen / clock.Elapsed.TotalSeconds);
    }

    private double Accuracy(nn.Module<Tensor, Tensor> model, InMemoryDataset data, IProgressSink sink)
    {
        using var logits = Predictor.Logits(model, data, options.EvalBatchSize, line => sink.Note($"evaluation {line}"));
        return ClassificationReport.From(Predictor.ArgMax(logits), data.LabelArray(), data.NumClasses).Accuracy;
    }

    private OptimizerHelper CreateOptimizer(nn.Module model)
    {
        if (options.StageMultipliers is { } multipliers)
        {
            return CreateLayerwiseOptimizer(model, multipliers);
        }
        var parameters = model.parameters().Where(p => p.requires_grad).ToList();
        return options.Optimizer switch
        {
            OptimizerKind.Adam => optim.Adam(parameters, options.LearningRate, weight_decay: options.WeightDecay),
            OptimizerKind.AdamW => optim.AdamW(parameters, options.LearningRate, weight_decay: options.WeightDecay),
            OptimizerKind.Sgd => optim.SGD(parameters, options.LearningRate, momentum: options.Momentum, weight_decay: options.WeightDecay),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "Unknown optimizer."),
        };
    }

    private OptimizerHelper CreateLayerwiseOptimizer(nn.Module model, IReadOnlyList<double> multipliers)
    {
        if (model is not Models.IStagedModel staged)
        {
            throw new ArgumentException($"Layer-wise learning rates need a model that names its stages ({nameof(Models.IStagedModel)}); {model.GetType().Name} does not.", nameof(model));
        }
        var stages = staged.Stages();
        if (stages.Count != multipliers.Count)
        {
            throw new ArgumentException($"{multipliers.Count} learning-rate multipliers given for a model with {stages.Count} stages ({string.Join(", ", stages.Select(s => s.Name))}); give one per stage.", nameof(model));
        }
        var layerwise = new Schedules.LayerwiseLrMultipliers(stages.Select((s, i) =>
            new Schedules.LayerwiseStage(s.Parameters.Where(p => p.requires_grad).ToList(), multipliers[i])));
        return options.Optimizer switch
        {
            // Adam without weight decay is AdamW with zero decay; with decay the two differ, so refuse rather than guess.
            OptimizerKind.Adam when options.WeightDecay == 0 => layerwise.CreateAdamW(options.LearningRate, weightDecay: 0),
            OptimizerKind.AdamW => layerwise.CreateAdamW(options.LearningRate, options.WeightDecay),
            OptimizerKind.Sgd => layerwise.CreateSgd(options.LearningRate, options.Momentum, options.WeightDecay),
            _ => throw new ArgumentException("Layer-wise learning rates work with SGD, AdamW, or Adam without weight decay.", nameof(model)),
        };
    }

    private Schedules.WarmupCosineSchedule? CreatePerStepSchedule(int trainCount)
    {
        if (options.Schedule != LrSchedule.WarmupCosine)
        {
            return null;
        }
        int steps = BatchLoader.BatchCount(trainCount, options.BatchSize);
        return new Schedules.WarmupCosineSchedule(options.LearningRate, options.Epochs * steps, (int)Math.Round(options.WarmupEpochs * steps));
    }

    private optim.lr_scheduler.LRScheduler? CreateScheduler(OptimizerHelper optimizer) => options.Schedule switch
    {
        LrSchedule.Constant or LrSchedule.WarmupCosine => null,
        LrSchedule.Step => optim.lr_scheduler.StepLR(optimizer, options.StepSize, options.StepGamma),
        LrSchedule.Cosine => optim.lr_scheduler.CosineAnnealingLR(optimizer, options.Epochs),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Schedule, "Unknown schedule."),
    };
}
