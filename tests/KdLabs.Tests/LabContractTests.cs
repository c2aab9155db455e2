using System.Reflection;
using KdLabs.Experiments;
using KdLabs.Methods;
using KdLabs.Training;

namespace KdLabs.Tests;

/// <summary>
/// The one lab contract: every lab's options carry the shared records under one name each (<c>Lab</c>, <c>Training</c>
/// or <c>Teacher</c>, <c>Kd</c>), every lab has one <c>Run()</c>, and each lab trains with the settings it always had.
/// </summary>
public class LabContractTests
{
    private static readonly Type[] OptionRecords =
        [typeof(MnistDistillationOptions), typeof(ZooOptions), typeof(SsldOptions), typeof(SoftTreeLabOptions), typeof(ChestXrayOptions)];

    [Fact]
    public void EverySharedRecordHasOneNameInEveryLab()
    {
        foreach (var type in OptionRecords)
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                var kind = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
                string[]? allowed = kind == typeof(LabSettings) ? ["Lab"]
                    : kind == typeof(TrainingSettings) ? ["Training", "Teacher"]
                    : kind == typeof(KdOptions) ? ["Kd"]
                    : null;
                Assert.True(allowed is null || allowed.Contains(property.Name), $"{type.Name}.{property.Name} holds a {kind.Name}; name it {string.Join(" or ", allowed ?? [])}.");
            }
            Assert.NotNull(type.GetProperty(nameof(ILabOptions<ZooOptions>.Lab)));
        }
    }

    [Fact]
    public void EveryLabRunsThroughLabBase()
    {
        var labs = typeof(LabBase<,>).Assembly.GetTypes().Where(t => !t.IsAbstract && t.BaseType is { IsGenericType: true } b && b.GetGenericTypeDefinition() == typeof(LabBase<,>)).ToList();
        Assert.Equal(5, labs.Count);
        foreach (var lab in labs)
        {
            var run = lab.GetMethod(nameof(ZooLab.Run), Type.EmptyTypes);
            Assert.NotNull(run);
            Assert.Equal(lab.BaseType!.GetGenericArguments()[1], run!.ReturnType);
        }
    }

    [Fact]
    public void EachLabKeepsItsTrainingDefaults()
    {
        var mnist = new MnistDistillationOptions();
        Assert.Equal((5, 64, 1e-3, LrSchedule.Constant, 1), Of(mnist.StudentTrainer(1)));
        Assert.Equal((10, 64, 1e-3, LrSchedule.Constant, 1), Of(MnistDistillationOptions.SmallTransferSet.StudentTrainer(1)));
        Assert.Equal(1, MnistDistillationOptions.SmallTransferSet.TeacherTrainer().Epochs);
        Assert.Equal((1, 64), (mnist with { Lab = mnist.Lab with { Smoke = true } }).Effective().StudentTrainer(1) is var s ? (s.Epochs, s.BatchSize) : default);

        var zoo = new ZooOptions();
        Assert.Equal((10, 64, 1e-3, LrSchedule.Constant, 2), Of(zoo.Trainer(zoo.Training.Epochs, 2)));
        Assert.Equal((1, 64, 1e-3, LrSchedule.Constant, 1), Of(zoo.TeacherTrainer(0)));

        var ssld = new SsldOptions();
        Assert.Equal((4, 64, 1e-3, LrSchedule.WarmupCosine, 3), Of(ssld.Trainer(ssld.Training.Epochs, 3, warmupCosine: true)));
        Assert.Equal((40, 64, 1e-3, LrSchedule.Constant, 3), Of(ssld.Trainer(ssld.LabeledEpochs, 3, warmupCosine: false)));
        Assert.Equal(0.5, ssld.Trainer(4, 3, warmupCosine: true).WarmupEpochs);

        var chest = new ChestXrayOptions();
        Assert.Equal((5, 32, 1e-3, LrSchedule.Cosine, 1), Of(chest.TeacherTrainer(null)));
        Assert.Equal((10, 32, 1e-3, LrSchedule.Constant, 4), Of(chest.StudentTrainer(4, null)));
        var smoke = (chest with { Lab = chest.Lab with { Smoke = true } }).Effective();
        Assert.Equal((1, 2), (smoke.Teacher.Epochs, smoke.Training.Epochs));
    }

    [Fact]
    public void ABadTrainingSettingIsRefusedByItsPath()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new ZooOptions { Training = new() { Epochs = 3, BatchSize = 0 } }.Validate());
        Assert.Equal("Training.BatchSize", e.ParamName);
        var teacher = Assert.Throws<ArgumentOutOfRangeException>(() => new ChestXrayOptions { Teacher = new() { LearningRate = double.NaN } }.Validate());
        Assert.Equal("Teacher.LearningRate", teacher.ParamName);
        Assert.StartsWith("Teacher.LearningRate must be", teacher.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChestXrayOptions { Training = new() { BatchSize = 5000 } }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingSettings { Schedule = (LrSchedule)42 }.Validate());
    }

    private static (int Epochs, int BatchSize, double LearningRate, LrSchedule Schedule, int Seed) Of(TrainerOptions o) => (o.Epochs, o.BatchSize, o.LearningRate, o.Schedule, o.Seed);
}
