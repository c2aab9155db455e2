using KdLabs.Losses;
using KdLabs.Methods;
using KdLabs.Training;
using Xunit;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>Run keys are typed and numeric: every digit of a setting counts, and a key reads back as itself.</summary>
public sealed class RunKeyTests
{
    private static RunKey Student(ITrainingObjective objective, TrainerOptions? trainer = null) =>
        RunKey.Create("student", "mlp-student", "tiny:4:0123456789abcdef", trainer ?? new TrainerOptions(), objective.RunIdentity, new { Evaluation = "e" });

    private static DistillationObjective Kd(double temperature) =>
        new(new KdLoss(0.5, temperature), TeacherLogitCache.FromLogits(zeros(4, 2), "tiny:4:0123456789abcdef", "teacher-weights", 1000));

    [Fact]
    public void TemperaturesThatDisplayAlikeAreDifferentRuns()
    {
        // The old keys hashed this display text, which rounds T to three decimals: both runs shared one checkpoint.
        Assert.Equal(Kd(4).Description, Kd(4.0004).Description);
        Assert.NotEqual(Student(Kd(4)), Student(Kd(4.0004)));
        Assert.NotEqual(Student(Kd(4)).Hash, Student(Kd(4.0004)).Hash);
        Assert.Equal(Student(Kd(4)), Student(Kd(4.0)));
        Assert.Equal(Student(Kd(4)).Hash, Student(Kd(4)).Hash);
    }

    [Fact]
    public void DoublesAreKeptToTheLastBit()
    {
        double sum = 0.1 + 0.2;
        var a = Student(new SupervisedObjective(), new TrainerOptions { LearningRate = sum });
        var b = Student(new SupervisedObjective(), new TrainerOptions { LearningRate = 0.3 });
        Assert.NotEqual(a, b);
        Assert.Contains("0.30000000000000004", a.TrainerJson, StringComparison.Ordinal);
        Assert.Equal(sum, System.Text.Json.JsonDocument.Parse(RunKey.Parse(a.ToJson()).TrainerJson).RootElement.GetProperty("LearningRate").GetDouble());
    }

    [Fact]
    public void KeysRoundTripThroughTheirJson()
    {
        var teacher = RunKey.Create("teacher", "mlp-teacher", "d:10:aa", new TrainerOptions { LearningRate = 1e-3, StageMultipliers = [0.1, 1] },
            new SupervisedObjective().RunIdentity, new { Dropout = 0.25 });
        var key = RunKey.Create("student", "mlp-student", "d:10:bb", new TrainerOptions(), Kd(4.0004).RunIdentity, parent: teacher);
        Assert.Equal(key, RunKey.Parse(key.ToJson()));
        Assert.Equal(key, RunKey.Parse(key.ToIndentedJson()));
        Assert.Equal(key.Hash, RunKey.Parse(key.ToIndentedJson()).Hash);
        Assert.Equal(teacher, RunKey.Parse(key.ToJson()).Parent);
        Assert.Equal(RunKey.CurrentVersion, key.Version);
    }

    [Fact]
    public void TheThreadCountIsPartOfTheKeyAndReadsBack()
    {
        RunKey Teacher(int threads) => RunKey.Create("teacher", "cnn-teacher", "d:10:aa", new TrainerOptions(), new SupervisedObjective().RunIdentity, new { Dropout = 0.5 }, null, threads);
        Assert.NotEqual(Teacher(1), Teacher(2));
        Assert.NotEqual(Teacher(1).Hash, Teacher(2).Hash);
        Assert.Equal(Teacher(2), RunKey.Parse(Teacher(2).ToIndentedJson()));
        Assert.Equal(2, RunKey.Parse(Teacher(2).ToJson()).Threads);
        Assert.Contains("\"threads\":2,\"trainer\"", Teacher(2).ToJson(), StringComparison.Ordinal);
        Assert.Equal(get_num_threads(), Student(new SupervisedObjective()).Threads);

        // A key written before thread counts were keyed reads back without one, and so never equals a key made now.
        var old = RunKey.Parse(Teacher(2).ToJson().Replace("\"threads\":2,", "", StringComparison.Ordinal).Replace("\"version\":3", "\"version\":2", StringComparison.Ordinal));
        Assert.Null(old.Threads);
        Assert.NotEqual(Teacher(2), old);
    }

    [Fact]
    public void PropertyOrderDoesNotChangeTheKey()
    {
        var a = RunKey.Create("logits", "m", "d", null, RunKey.Settings("x", new { A = 1, B = 2.5 }));
        var b = RunKey.Create("logits", "m", "d", null, System.Text.Json.Nodes.JsonNode.Parse("""{"B":2.50,"name":"x","A":1.0}"""));
        Assert.Equal(a, b);
        Assert.Equal(a.Hash, b.Hash);
    }

    [Fact]
    public void EachSettingOfAnObjectiveIsInItsIdentity()
    {
        Assert.NotEqual(Student(new SupervisedObjective()), Student(Kd(4)));
        var dkd = new DkdObjective(new DkdLoss(1, 8, 4), Kd(4).Teacher);
        var dkdOtherBeta = new DkdObjective(new DkdLoss(1, 8.0001, 4), Kd(4).Teacher);
        Assert.NotEqual(Student(dkd), Student(dkdOtherBeta));
        var otherBatch = new DistillationObjective(new KdLoss(0.5, 4), TeacherLogitCache.FromLogits(zeros(4, 2), "tiny:4:0123456789abcdef", "teacher-weights", 64));
        Assert.NotEqual(Student(Kd(4)), Student(otherBatch));
    }
}
