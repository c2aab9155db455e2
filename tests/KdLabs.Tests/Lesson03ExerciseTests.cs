using KdLabs.Course;

namespace KdLabs.Tests;

public class Lesson03ExerciseTests
{
    [Fact]
    public void StudentParameterCountMatchesTheModelAndExplainsMistakes()
    {
        long actual = Evaluation.ModelStats.ParameterCount(new Models.ChestXrayStudent(224));
        Assert.True(Exercises.Lesson03.StudentParameters(224, actual).Correct);
        Assert.Equal(100_474, actual);
        var missingNorm = Exercises.Lesson03.StudentParameters(224, actual - 8);
        Assert.False(missingNorm.Correct);
        Assert.Contains("γ and β", missingNorm.Message);
        Assert.Contains("not answered", Exercises.Lesson03.StudentParameters(224, -1).Message);
    }

    [Fact]
    public void ScreeningMetricAcceptsSensitivityOnly()
    {
        Assert.True(Exercises.Lesson03.ScreeningMetric('a').Correct);
        Assert.False(Exercises.Lesson03.ScreeningMetric('b').Correct);
        Assert.False(Exercises.Lesson03.ScreeningMetric('c').Correct);
        Assert.Contains("not answered", Exercises.Lesson03.ScreeningMetric('?').Message);
    }
}
