using System.Diagnostics;
using KdLabs.Data;
using KdLabs.Datasets;
using KdLabs.Evaluation;
using KdLabs.Infrastructure;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Experiments;

/// <summary>
/// Distilling a neural network into a soft decision tree (Frosst &amp; Hinton 2017), step by step: load
/// MNIST, get the CNN teacher (the MNIST lab's, cached), then for each seed train one tree on the labels
/// and one on the teacher's soft targets, from the same initial weights and in the same data order, and
/// compare their mixture and max-leaf accuracy. The CLI's <c>distill mnist --student sdt</c> and
/// lesson 04 both call this.
/// </summary>
public sealed class SoftTreeLab : LabBase<SoftTreeLabOptions, SoftTreeLabResult>, IDisposable
{
    private readonly MnistDistillationLab teacherLab;
    private TeacherLogitCache? logitCache;
    private InMemoryDataset? train;
    private InMemoryDataset? evaluation;
    private InMemoryDataset? transfer;
    private bool ownsTrain;
    private bool ownsEvaluation;

    /// <summary>Creates the lab; nothing is loaded or trained yet.</summary>
    public SoftTreeLab(SoftTreeLabOptions options, ITrainingProgress? progress = null, Action<string>? log = null)
        : base(options, progress, log)
    {
        teacherLab = new MnistDistillationLab(Options.Teacher with { Lab = Options.Teacher.Lab with { Smoke = Lab.Smoke, DataDirectory = Lab.DataDirectory ?? Options.Teacher.Lab.DataDirectory, Device = Device.Name } },
            Progress, Log, Device);
    }

    /// <summary>The images the trees learn from (after <see cref="LoadData"/>).</summary>
    public InMemoryDataset Train => train ?? throw new InvalidOperationException("Call LoadData() first.");

    /// <summary>
    /// The distilled trees' transfer set (after <see cref="LoadData"/>): <see cref="Train"/>, followed by the
    /// <see cref="SoftTreeLabOptions.Unlabelled"/> images after the first <see cref="SoftTreeLabOptions.TrainLimit"/>, whose
    /// labels are replaced by <see cref="SoftTreeLabOptions.UnlabelledMark"/>. <see cref="Train"/> itself without them.
    /// </summary>
    public InMemoryDataset Transfer => transfer ?? Train;

    /// <summary>The images accuracy is reported on: the test set, or the held-out validation images when <see cref="SoftTreeLabOptions.Validation"/> &gt; 0.</summary>
    public InMemoryDataset Evaluation => evaluation ?? throw new InvalidOperationException("Call LoadData() first.");

    /// <summary>"test" or "validation".</summary>
    public string EvaluationName => Options.Validation > 0 ? "validation" : "test";

    /// <summary>The teacher (after <see cref="GetTeacher"/>).</summary>
    public nn.Module<Tensor, Tensor> Teacher => teacherLab.Teacher;

    /// <summary>SHA-256 of the teacher's weights.</summary>
    public string TeacherId => teacherLab.TeacherId;

    /// <summary>Loads MNIST (fetching it when missing) and makes the training and evaluation sets.</summary>
    public void LoadData()
    {
        if (train is not null)
        {
            return;
        }
        teacherLab.LoadData();
        var all = teacherLab.Train.FirstOrAll(Options.TrainLimit);
        int labelled = all.Count;
        if (Options.Validation > 0)
        {
            int keep = all.Count - Options.Validation;
            train = all.Subset($"{all.Name}[:{keep}]", Range(0, keep));
            evaluation = all.Subset($"{all.Name}[{keep}:]", Range(keep, all.Count));
            ownsTrain = ownsEvaluation = true;
            if (!ReferenceEquals(all, teacherLab.Train))
            {
                all.Dispose();
            }
        }
        else
        {
            // The teacher lab owns its sets; only subsets made here are disposed here.
            train = all;
            ownsTrain = !ReferenceEquals(all, teacherLab.Train);
            evaluation = teacherLab.Test.FirstOrAll(Options.TestLimit);
            ownsEvaluation = !ReferenceEquals(evaluation, teacherLab.Test);
        }
        if (Options.Unlabelled > 0)
        {
            transfer = WithUnlabelled(labelled);
        }
        Log($"soft tree: {Train.Count:N0} training images, {Evaluation.Count:N0} {EvaluationName} images"
            + (Options.Unlabelled > 0 ? $", {Options.Unlabelled:N0} unlabelled images (images {labelled:N0}–{labelled + Options.Unlabelled - 1:N0}) added to the distilled trees' transfer set" : ""));
        if (TeacherSawEvaluationImages)
        {
            // The teacher stays the MNIST lab's (settings were chosen on validation with it); the run says what its row then measures.
            Log($"warning: the CNN teacher trained on the first {teacherLab.TeacherTrain.Count:N0} training images, which include {TeacherEvaluationOverlap:N0} of the trees' {Options.Validation:N0} validation images "
                + $"(images {Train.Count:N0}–{Train.Count + Evaluation.Count - 1:N0}): its accuracy row is measured partly on its own training images, and the report marks it. "
                + $"To score it on unseen images, give the lab a teacher trained on at most the first {Train.Count:N0} images ({nameof(SoftTreeLabOptions)}.{nameof(SoftTreeLabOptions.Teacher)} with "
                + $"{nameof(MnistDistillationOptions.TeacherImages)} ≤ {Train.Count:N0}; the soft-tree command line has no option for it).");
        }
    }

    /// <summary>
    /// How many of the evaluation images the teacher trained on (after <see cref="LoadData"/>): the trees' validation images
    /// are the last <see cref="SoftTreeLabOptions.Validation"/> of the first <see cref="SoftTreeLabOptions.TrainLimit"/> training
    /// images, and the teacher trains on the first <see cref="MnistDistillationOptions.TeacherImages"/> (all by default). Always 0 on the test set.
    /// </summary>
    public int TeacherEvaluationOverlap => Options.Validation > 0
        ? ValidationSplit.Overlap(teacherLab.TeacherTrain.Count, Train.Count, Evaluation.Count)
        : 0;

    /// <summary>True when the teacher's accuracy row is measured partly on the teacher's own training images.</summary>
    public bool TeacherSawEvaluationImages => TeacherEvaluationOverlap > 0;

    /// <summary>The CNN teacher, trained on all training images (or reused from the cache).</summary>
    public nn.Module<Tensor, Tensor> GetTeacher()
    {
        LoadData();
        return teacherLab.GetTeacher();
    }

    /// <summary>The teacher's logits on the trees' training images, computed once.</summary>
    public ITeacherSignal TeacherSignal()
    {
        GetTeacherIfNeeded();
        // Shifted inputs are new images: a cache of the teacher's logits on the unshifted ones would not match them.
        return Options.Tree.Jitter > 0 ? new LiveTeacher(Teacher, TeacherId) : logitCache ??= LoadOrBuildLogits();
    }

    /// <summary>The teacher's accuracy on the evaluation images.</summary>
    public double TeacherAccuracy()
    {
        GetTeacherIfNeeded();
        return Accuracy(Teacher, Evaluation);
    }

    /// <summary>A fresh tree with the initial weights of <paramref name="seed"/> (the options' seed by default).</summary>
    public SoftDecisionTree NewTree(int? seed = null) => (Options.Tree with { Seed = seed ?? Options.Tree.Seed }).CreateTree();

    /// <summary>Trains a tree on the hard labels.</summary>
    public (SoftDecisionTree Tree, TrainingHistory History) TrainHardLabel(int? seed = null, string? name = null)
    {
        using var objective = SoftTreeObjective.FromLabels(Options.Tree);
        return TrainTree(objective, name ?? "tree (labels)", seed);
    }

    /// <summary>Trains a tree on the teacher's soft targets at the options' temperature (or <paramref name="temperature"/>).</summary>
    public (SoftDecisionTree Tree, TrainingHistory History) TrainDistilled(int? seed = null, double? temperature = null, string? name = null)
    {
        var tree = Options.Tree with { Temperature = temperature ?? Options.Tree.Temperature };
        using var objective = new Methods.SoftTreeMethod(new Methods.SoftTreeMethodOptions { Tree = tree }).Objective(TeacherSignal());
        return TrainTree(objective, name ?? $"tree (distilled, T={tree.Temperature:0.##})", seed, Transfer);
    }

    /// <summary>
    /// Trains a fresh tree of seed <paramref name="seed"/> against <paramref name="objective"/>: the seed sets
    /// the initial weights and the data order, so two objectives with one seed differ only in their targets.
    /// </summary>
    public (SoftDecisionTree Tree, TrainingHistory History) TrainTree(ITrainingObjective objective, string name, int? seed = null)
    {
        LoadData();
        return TrainTree(objective, name, seed, Train);
    }

    private (SoftDecisionTree Tree, TrainingHistory History) TrainTree(ITrainingObjective objective, string name, int? seed, InMemoryDataset data)
    {
        int s = seed ?? Options.Tree.Seed;
        var tree = NewTree(s);
        var trainerOptions = Options.Tree.ApplyTo() with { Seed = s };
        var key = TreeRunKey(Options.Tree, trainerOptions, data, Evaluation, objective, teacherLab.TeacherKey);
        var store = new RunStore(Path.Combine(Lab.OutputDirectory, "checkpoints"));
        var history = store.Run(key, $"{name}-s{s}", dir => new Trainer(trainerOptions with { CheckpointDirectory = dir }, Progress).Fit(tree, data, Evaluation, objective, name));
        return (tree, history);
    }

    /// <summary>
    /// The run key of a tree: its shape and initialisation (<paramref name="tree"/>), the trainer settings, the training and
    /// evaluation images' pixels and the objective's settings (T and the label weight only when distilling, so a hard-label
    /// tree's checkpoint is reused when only the distillation settings change); a distilled tree's parent is its teacher.
    /// </summary>
    public static RunKey TreeRunKey(SoftTreeOptions tree, TrainerOptions trainerOptions, InMemoryDataset train, InMemoryDataset evaluation,
        ITrainingObjective objective, RunKey? teacher) =>
        RunKey.Create("student", $"sdt-d{tree.Depth}", train.Fingerprint, trainerOptions, objective.RunIdentity,
            new { tree.BetaInit, tree.LearnBeta, tree.LeafInitStd, Evaluation = evaluation.Fingerprint },
            objective is SoftTreeObjective { Teacher: null } ? null : teacher);

    /// <summary>Accuracy of the tree on the evaluation images, predicting with the path-weighted mixture or the most probable leaf.</summary>
    public double Accuracy(SoftDecisionTree tree, SoftTreePrediction prediction)
    {
        var previous = tree.Prediction;
        tree.Prediction = prediction;
        try
        {
            return Accuracy(tree, Evaluation);
        }
        finally
        {
            tree.Prediction = previous;
        }
    }

    /// <summary>One row of the comparison for a trained tree.</summary>
    public SoftTreeRun Describe(string kind, int seed, SoftDecisionTree tree, TrainingHistory history) => new(
        kind, seed, Accuracy(tree, SoftTreePrediction.Mixture), Accuracy(tree, SoftTreePrediction.MaxLeaf),
        history.Best.TestAccuracy, history.Best.Epoch, ModelStats.ParameterCount(tree), tree.Beta, history.TotalSeconds);

    /// <summary>
    /// Runs the whole lab: teacher, then for each seed a hard-label and a distilled tree, evaluation,
    /// results.json and report.html (with the first seed's trees drawn).
    /// </summary>
    public override SoftTreeLabResult Run()
    {
        var clock = Stopwatch.StartNew();
        LoadData();
        double teacherAccuracy = double.NaN;
        long teacherParameters = 0;
        if (Options.TrainDistilled)
        {
            GetTeacherIfNeeded();
            teacherAccuracy = TeacherAccuracy();
            teacherParameters = ModelStats.ParameterCount(Teacher);
        }
        var runs = new List<SoftTreeRun>();
        var histories = new List<TrainingHistory>();
        SoftDecisionTree? shownHard = null, shownDistilled = null;
        foreach (int seed in Lab.Seeds)
        {
            // Always named by seed: checkpoints of a single-seed run are then reused by a multi-seed run in the same folder.
            string suffix = $" seed {seed}";
            if (Options.TrainHardLabel)
            {
                var hard = TrainHardLabel(seed, "tree (labels)" + suffix);
                runs.Add(Describe(SoftTreeRun.HardLabel, seed, hard.Tree, hard.History));
                histories.Add(hard.History);
                Keep(ref shownHard, hard.Tree);
            }
            if (Options.TrainDistilled)
            {
                var distilled = TrainDistilled(seed, name: $"tree (distilled, T={Options.Tree.Temperature:0.##}){suffix}");
                runs.Add(Describe(SoftTreeRun.Distilled, seed, distilled.Tree, distilled.History));
                histories.Add(distilled.History);
                Keep(ref shownDistilled, distilled.Tree);
            }
        }
        clock.Stop();
        var result = new SoftTreeLabResult(Options, EvaluationName, RunEnvironment.Describe(Device), clock.Elapsed.TotalSeconds, TeacherId,
            teacherAccuracy, teacherParameters, runs, histories, Options.TrainDistilled ? TeacherEvaluationOverlap : 0);
        WriteResults(SoftTreeReport.Json(result), SoftTreeReport.Markdown(result), SoftTreeReport.Html(result, shownHard, shownDistilled, Evaluation));
        shownHard?.Dispose();
        shownDistilled?.Dispose();
        return result;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        logitCache?.Dispose();
        transfer?.Dispose();
        if (ownsTrain)
        {
            train?.Dispose();
        }
        if (ownsEvaluation)
        {
            evaluation?.Dispose();
        }
        teacherLab.Dispose();
    }

    private static void Keep(ref SoftDecisionTree? shown, SoftDecisionTree tree)
    {
        if (shown is null)
        {
            shown = tree;
        }
        else
        {
            tree.Dispose();
        }
    }

    // Running the CNN over 55–60k images takes minutes on one thread: the logits are kept next to the run's results,
    // keyed by the teacher's run and weights and the training set's pixels, and reused by later runs.
    private TeacherLogitCache LoadOrBuildLogits() =>
        TeacherLogitCache.GetOrBuild(new RunStore(Path.Combine(Lab.OutputDirectory, "teacher-logits")), teacherLab.TeacherKey, Teacher, TeacherId, Transfer, 1000, Log);

    private void GetTeacherIfNeeded()
    {
        LoadData();
        if (string.IsNullOrEmpty(teacherLab.TeacherId))
        {
            teacherLab.GetTeacher();
        }
    }

    private static double Accuracy(nn.Module<Tensor, Tensor> model, InMemoryDataset data)
    {
        using var logits = Predictor.Logits(model, data);
        return ClassificationReport.From(Predictor.ArgMax(logits), data.LabelArray(), data.NumClasses).Accuracy;
    }

    // The labelled images followed by the next Unlabelled training images, those marked as unlabelled.
    private InMemoryDataset WithUnlabelled(int start)
    {
        int n = Options.Unlabelled;
        if (start + n > teacherLab.Train.Count)
        {
            throw OptionsValidation.Mark(new ArgumentOutOfRangeException(nameof(SoftTreeLabOptions.Unlabelled), n,
                $"Unlabelled {n:N0} images after the first {start:N0} need {start + n:N0} training images, but {teacherLab.Train.Count:N0} are loaded; lower it."));
        }
        using var extra = teacherLab.Train.Subset($"{teacherLab.Train.Name}[{start}:{start + n}]", Range(start, start + n));
        var features = cat([Train.Features, extra.Features], 0);
        var labels = cat([Train.Labels, full(n, SoftTreeLabOptions.UnlabelledMark, ScalarType.Int64, device: Train.Device)], 0);
        return new InMemoryDataset($"{Train.Name}+{teacherLab.Train.Name}[{start}:{start + n}] unlabelled", features, labels, Train.ClassNames);
    }

    private static long[] Range(int from, int to) => Enumerable.Range(from, to - from).Select(i => (long)i).ToArray();
}
