using System.Reflection;
using KdLabs.Data;
using KdLabs.Experiments;
using KdLabs.Infrastructure;
using KdLabs.Losses;
using KdLabs.Methods;
using KdLabs.Models;
using KdLabs.Training;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>
/// CONTRIBUTING's recipe for a distillation method, end to end: a logit method and a feature method, each written as the
/// recipe says (options record with its defaults and <c>Validate()</c>, the method, its objective, in one place: here, this
/// file), added to a registry with one line, and trained through the zoo's path. And the kit's own methods follow it.
/// </summary>
[Collection(TorchRngCollection.Name)]
public class MethodRecipeTests
{
    /// <summary>Settings of the throwaway logit method: its defaults are here and nowhere else.</summary>
    public sealed record LogitMseOptions
    {
        /// <summary>Weight β of the logit-matching term.</summary>
        public double Beta { get; init; } = 0.1;

        /// <summary>Throws, marked as a setting, naming <see cref="Beta"/>.</summary>
        public void Validate() => OptionsValidation.Between(Beta, 0, 100, nameof(Beta));
    }

    /// <summary>A logit method: CE + β·mean((s − t)²), the logit regression Ba &amp; Caruana compared KD with.</summary>
    public sealed class LogitMseMethod : ILogitMethod
    {
        public LogitMseMethod(LogitMseOptions? options = null)
        {
            Settings = options ?? new LogitMseOptions();
            Settings.Validate();
        }

        public LogitMseOptions Settings { get; }

        public string Key => "test-logit-mse";

        public string Title => "logit regression (recipe test)";

        public string Knowledge => "raw logits";

        public MethodPaper? Paper => new("Ba & Caruana", 2014, "Do Deep Nets Really Need to be Deep?");

        public object Options => Settings;

        public IReadOnlyList<LossTerm> Terms => [new("ce", "CE(y, s)"), new("mse", "β·mean((s − t)²)")];

        public ITrainingObjective Objective(ITeacherSignal teacher) => new LogitMseObjective(Settings, teacher);

        public ILogitMethod WithSoftTargets(double alpha, double temperature) => throw new ArgumentException("test-logit-mse has no α or T.");
    }

    private sealed class LogitMseObjective(LogitMseOptions options, ITeacherSignal teacher) : ITrainingObjective
    {
        public string Description => $"CE + {options.Beta}·MSE of the logits, {teacher.Description}";

        public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("test-logit-mse", new { options.Beta, Teacher = teacher.RunIdentity });

        public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation) => teacher.CheckCompatible(train, augmentation);

        public StepResult Step(nn.Module<Tensor, Tensor> model, Batch batch)
        {
            var logits = model.forward(batch.Inputs);
            var mse = (logits - teacher.LogitsFor(batch).detach()).pow(2).mean();
            return new StepResult(nn.functional.cross_entropy(logits, batch.Labels) + mse * options.Beta, logits);
        }
    }

    /// <summary>Settings of the throwaway feature method.</summary>
    public sealed record FeatureMseOptions
    {
        /// <summary>The layer matched, in both networks.</summary>
        public string Layer { get; init; } = "conv2";

        /// <summary>Weight β of the feature term.</summary>
        public double Beta { get; init; } = 1;

        /// <summary>Throws, marked as a setting, naming the setting.</summary>
        public void Validate() => OptionsValidation.Run(() =>
        {
            MethodLayers.Check([Layer], nameof(Layer));
            OptionsValidation.Between(Beta, 0, 100, nameof(Beta));
        });
    }

    /// <summary>A feature method: CE + β·mean((connector(student layer) − teacher layer)²), the connector a 1×1 convolution trained with it.</summary>
    public sealed class FeatureMseMethod : IDistillationMethod
    {
        public FeatureMseMethod(FeatureMseOptions? options = null)
        {
            Settings = options ?? new FeatureMseOptions();
            Settings.Validate();
        }

        public FeatureMseOptions Settings { get; }

        public string Key => "test-feature-mse";

        public string Title => "feature regression (recipe test)";

        public string Knowledge => "one feature map";

        public MethodPaper? Paper => new("Romero et al.", 2015, "FitNets: Hints for Thin Deep Nets");

        public object Options => Settings;

        public IReadOnlyList<LossTerm> Terms => [new("ce", "CE(y, s)"), new("feature", "β·mean((r(s_layer) − t_layer)²)")];

        public MethodPlan Plan(MethodContext context)
        {
            var student = context.NewStudent();
            context.SeedAdapters();
            var connector = nn.Conv2d(context.Channels(student, Settings.Layer), context.Channels(context.Teacher, Settings.Layer), 1);
            var adapted = new AdaptedStudent(student, new Dictionary<string, nn.Module<Tensor, Tensor>> { ["connector"] = connector });
            return new MethodPlan(student,
                [new MethodStage("main", null, StageEpochs.All, adapted, new FeatureMseObjective(Settings, context.FeatureTeacher()), [connector])],
                adapted.AdapterParameterCount, []);
        }
    }

    private sealed class FeatureMseObjective(FeatureMseOptions options, FeatureTeacher teacher) : ITrainingObjective
    {
        public string Description => $"CE + {options.Beta}·MSE of {options.Layer}, {teacher.Description}";

        public System.Text.Json.Nodes.JsonObject RunIdentity => RunKey.Settings("test-feature-mse", new { options.Layer, options.Beta, Teacher = teacher.RunIdentity });

        public void Prepare(InMemoryDataset train, IBatchAugmentation? augmentation)
        {
        }

        public StepResult Step(nn.Module<Tensor, Tensor> model, Batch batch)
        {
            var student = (AdaptedStudent)model;
            var s = student.ForwardWithFeatures(batch.Inputs);
            var t = teacher.Run(batch.Inputs);
            var mse = (student.Adapter("connector").forward(s[options.Layer]) - t[options.Layer].detach()).pow(2).mean();
            return new StepResult(nn.functional.cross_entropy(s.Logits, batch.Labels) + mse * options.Beta, s.Logits);
        }
    }

    [Fact]
    public void ARegistryWithMoreMethodsFindsThemWhileTheKitsRegistryStaysAsItWas()
    {
        var registry = DistillationMethods.Registry.With(new LogitMseMethod(), new FeatureMseMethod());
        Assert.Equal(DistillationMethods.All.Count + 2, registry.All.Count);
        Assert.IsType<LogitMseMethod>(registry.GetLogit("TEST-logit-mse"));
        Assert.IsType<FeatureMseMethod>(registry.Get<FeatureMseMethod>("test-feature-mse"));
        Assert.Contains("test-feature-mse", Assert.Throws<ArgumentException>(() => registry.GetLogit("test-feature-mse")).Message);
        Assert.Null(DistillationMethods.Find("test-logit-mse"));
        Assert.DoesNotContain("test-", DistillationMethods.KeyList, StringComparison.Ordinal);
        // One key, one method: a second "kd" (or an alias taken twice) is refused.
        Assert.Contains("'kd'", Assert.Throws<ArgumentException>(() => DistillationMethods.Registry.With(new KdMethod())).Message);
        Assert.Throws<ArgumentException>(() => DistillationMethods.Registry.With(new LogitMseMethod(), new LogitMseMethod()));
    }

    [Fact]
    public void KdComesFromTheRegistryTypedAndWithALabsSettings()
    {
        Assert.Same(DistillationMethods.Get("kd"), DistillationMethods.Kd);
        Assert.Same(DistillationMethods.Kd, DistillationMethods.Get<KdMethod>("kd"));
        var kd = DistillationMethods.Kd.With(new KdOptions { Alpha = 0.3, Temperature = 2 });
        Assert.Equal((0.3, 2.0), (kd.Settings.Alpha, kd.Settings.Temperature));
        Assert.Equal((0.5, 4.0), (DistillationMethods.Kd.Settings.Alpha, DistillationMethods.Kd.Settings.Temperature));
        Assert.Contains("DkdMethod", Assert.Throws<ArgumentException>(() => DistillationMethods.Get<KdMethod>("dkd")).Message);
    }

    [Fact]
    public void BothMethodsTrainThroughTheZoosPath()
    {
        var registry = DistillationMethods.Registry.With(new LogitMseMethod(), new FeatureMseMethod());
        using var lab = new ZooLab(new ZooOptions
        {
            Methods = ["none"],
            Lab = new() { Smoke = true, DataDirectory = TestData.MnistDirectory, OutputDirectory = TestData.TempDirectory(), Seeds = [3] },
        }, TrainingProgress.Silent, _ => { });
        foreach (var key in new[] { "test-logit-mse", "test-feature-mse" })
        {
            var (row, student, histories) = lab.TrainMethod(registry.Get(key), 3);
            Assert.Equal(key, row.Method);
            Assert.Equal(2, row.Epochs);
            Assert.All(histories.SelectMany(h => h.Epochs), e => Assert.True(double.IsFinite(e.TrainLoss), $"{key}: train loss {e.TrainLoss}"));
            // The smoke run's 1,000 images for two epochs: well above chance (10 %), as the registered methods' smoke runs are.
            Assert.True(row.TestAccuracy > 0.3, $"{key}: {row.TestAccuracy}");
            student.Dispose();
            // The connector (32 → 64 channels, 1×1, with bias) is counted as training-only, the logit method has none.
            Assert.Equal(key == "test-feature-mse" ? 32 * 64 + 64 : 0, row.TrainingOnlyParameters);
        }
    }

    [Fact]
    public void EveryRegisteredMethodIsOneFileWhoseOptionsValidateThemselves()
    {
        string methods = Path.Combine(KdLabsPaths.RepositoryRoot!, "src", "KdLabs", "Methods");
        foreach (var method in DistillationMethods.All)
        {
            string file = Path.Combine(methods, method.GetType().Name + ".cs");
            Assert.True(File.Exists(file), $"{method.Key}: {method.GetType().Name} is not in Methods/{method.GetType().Name}.cs");
            string source = File.ReadAllText(file);
            Assert.Contains($"record {method.Options.GetType().Name}", source, StringComparison.Ordinal);
            var validate = method.Options.GetType().GetMethod("Validate", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes);
            Assert.True(validate is not null, $"{method.Key}: {method.Options.GetType().Name} has no Validate()");
            validate.Invoke(method.Options, null);
        }
        // Settings are checked by Validate(), not by building a loss and throwing it away.
        Assert.All(Directory.EnumerateFiles(methods, "*.cs"), f => Assert.DoesNotContain("_ = new ", File.ReadAllText(f), StringComparison.Ordinal));
    }

    [Fact]
    public void ABadSettingIsRefusedMarkedAndNamedWithTheLossesOwnWords()
    {
        var kd = Assert.Throws<ArgumentOutOfRangeException>(() => new KdMethod(new KdOptions { Alpha = 2 }));
        Assert.True(OptionsValidation.IsMarked(kd));
        Assert.Equal(Assert.Throws<ArgumentOutOfRangeException>(() => new KdLoss(2, 4)).Message, kd.Message);
        foreach (var bad in new Func<object>[]
        {
            () => new LogitStandardizationMethod(new LogitStandardizationOptions { Temperature = 0 }),
            () => new FitNetsMethod(new FitNetsOptions { Alpha = double.NaN }),
            () => new MultiTeacherMethod(MultiTeacherMode.Average, new MultiTeacherOptions { Temperature = 1e9 }),
            () => new DkdMethod(new DkdOptions { Beta = -1 }),
            () => new DkdMethod(new DkdOptions { WarmupEpochs = 0 }),
            () => new AttentionTransferMethod(new AttentionTransferOptions { Beta = double.PositiveInfinity }),
            () => new AttentionTransferMethod(new AttentionTransferOptions { Layers = [] }),
            () => new FspMethod(new FspOptions { SecondLayer = " " }),
            () => new MutualLearningMethod(new MutualLearningOptions { CohortSize = 1 }),
            () => new SoftLabelMethod(new SoftLabelOptions { Temperature = -1 }),
            () => new SoftTreeMethod(new SoftTreeMethodOptions { Tree = new() { Depth = 40 } }),
        })
        {
            var e = Assert.ThrowsAny<ArgumentException>(bad);
            Assert.True(OptionsValidation.IsMarked(e), e.Message);
            Assert.False(string.IsNullOrEmpty(e.ParamName), e.Message);
        }
        Assert.Contains("β (weight of NCKD)", Assert.Throws<ArgumentOutOfRangeException>(() => new DkdMethod(new DkdOptions { Beta = -1 })).Message);
        Assert.Equal("Depth", Assert.Throws<ArgumentOutOfRangeException>(() => new SoftTreeMethod(new SoftTreeMethodOptions { Tree = new() { Depth = 40 } })).ParamName);
    }
}
