using KdLabs.Experiments;
using KdLabs.Training;

namespace KdLabs.Tests;

/// <summary>The settings behind the Hinton (2015) MLP rows: unregularised students next to a regularised teacher, and a cosine schedule.</summary>
public class MnistHintonSettingsTests
{
    [Fact]
    public void PlainStudentsDropDropoutAndJitterWhileTheTeacherKeepsThem()
    {
        var options = new MnistDistillationOptions { Family = "mlp", MlpDropout = 0.2, Jitter = 2, PlainStudents = true };
        Assert.NotNull(options.TeacherTrainer().Augmentation);
        Assert.Null(options.StudentTrainer(3).Augmentation);
        Assert.Equal(0, options.StudentDropout);
        Assert.Equal(0, options.StudentJitter);
        Assert.Equal(3, options.StudentTrainer(3).Seed);

        var regularised = options with { PlainStudents = false };
        Assert.NotNull(regularised.StudentTrainer(3).Augmentation);
        Assert.Equal(0.2, regularised.StudentDropout);
        // The teacher is the same run either way, so both rows distil one cached teacher.
        Assert.Equal(regularised.TeacherTrainer().Fingerprint(), options.TeacherTrainer().Fingerprint());
    }

    [Fact]
    public void TheScheduleReachesEveryRunAndOnlyConstantOrCosineIsAccepted()
    {
        var cosine = new MnistDistillationOptions { Training = new() { Schedule = LrSchedule.Cosine } };
        Assert.Equal(LrSchedule.Cosine, cosine.TeacherTrainer().Schedule);
        Assert.Equal(LrSchedule.Cosine, cosine.StudentTrainer(1).Schedule);
        Assert.NotEqual(new MnistDistillationOptions().TeacherTrainer().Fingerprint(), cosine.TeacherTrainer().Fingerprint());
        cosine.Validate();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => (cosine with { Training = cosine.Training with { Schedule = LrSchedule.Step } }).Validate());
        Assert.Equal("Training.Schedule", e.ParamName);
    }

    [Theory]
    [InlineData("--schedule", "cosine")]
    [InlineData("--plain-students", null)]
    [InlineData("--transfer-size", "500")]
    public void TheSoftTreePathRefusesTheNetworkStudentsOptionsByName(string option, string? value)
    {
        string[] args = value is null
            ? ["distill", "mnist", "--student", "sdt", "--smoke", option, "--out", TestData.TempDirectory()]
            : ["distill", "mnist", "--student", "sdt", "--smoke", option, value, "--out", TestData.TempDirectory()];
        var (code, output) = CliRunner.Run(args);
        Assert.Equal(2, code);
        Assert.Contains($"{option} applies to the CNN and MLP students", output);
    }
}
