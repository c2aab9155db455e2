using System.Text.RegularExpressions;
using KdLabs.Data;
using KdLabs.Experiments;
using KdLabs.Infrastructure;
using KdLabs.Notebooks.Format;
using KdLabs.Training;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using static TorchSharp.torch;

namespace KdLabs.Notebooks.Tests;

/// <summary>
/// Lesson 01's lab options, read from the notebook's own cells and evaluated (nothing is trained or loaded): its full run
/// distils the course teacher, <see cref="MnistDistillationOptions.SmallTransferSet"/>'s, so the teacher cache trains that
/// teacher once for lessons 01, 02 and <c>kdlabs distill mnist</c>; its smoke run keeps its small, seconds-long sets.
/// </summary>
public class LessonTeacherTests
{
    private static async Task<MnistDistillationOptions> Lesson01Options(bool smoke)
    {
        var notebook = IpynbFormat.Read(Path.Combine(KdLabsPaths.RepositoryRoot!, "notebooks", "01-temperature-softening.ipynb"));
        string parameters = notebook.Cells.Single(c => c.HasTag("parameters")).Source;
        string labCell = notebook.Cells.Single(c => c.CellType == CellType.Code && c.Source.Contains("new MnistDistillationLab(", StringComparison.Ordinal)).Source;
        var options = Regex.Match(labCell, @"new MnistDistillationLab\((?<options>.+?),\s*new LineTrainingProgress\(\)\);", RegexOptions.Singleline);
        Assert.True(options.Success, $"lesson 01's lab cell no longer reads `new MnistDistillationLab(<options>, new LineTrainingProgress());`:\n{labCell}");
        string code = $"{parameters}\nsmoke = {(smoke ? "true" : "false")};\nMnistDistillationOptions lessonOptions = {options.Groups["options"].Value};\nlessonOptions";
        var scriptOptions = ScriptOptions.Default.AddReferences(typeof(MnistDistillationOptions).Assembly).AddImports("System", "KdLabs.Experiments", "KdLabs.Training");
        var evaluated = await CSharpScript.EvaluateAsync<MnistDistillationOptions>(code, scriptOptions);
        return evaluated.Effective();
    }

    private static InMemoryDataset Synthetic() => new("synthetic", zeros(4, 1, 28, 28), zeros(4, dtype: ScalarType.Int64), [.. Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))]);

    /// <summary>The teacher's cache key on <paramref name="data"/>: every part of it but the training images' pixels, which the options pick by their data set, train limit and teacher images.</summary>
    private static string TeacherKey(MnistDistillationOptions o, InMemoryDataset data) =>
        TeacherStore.KeyFor(o.ModelNames().Teacher, o.TeacherTrainer(), o.MlpDropout, data, o.InputDropout).ToIndentedJson();

    [Fact]
    public async Task Lesson01sFullRunDistilsTheCourseTeacher()
    {
        var lesson = await Lesson01Options(smoke: false);
        var course = MnistDistillationOptions.SmallTransferSet;
        using var data = Synthetic();
        Assert.Equal(TeacherKey(course, data), TeacherKey(lesson, data));
        // The images the teacher trains on: the same data set, all 60,000 training images, the first 20,000 of them.
        Assert.Equal((course.Dataset, course.TrainLimit, course.TeacherImages), (lesson.Dataset, lesson.TrainLimit, lesson.TeacherImages));
        // Students: 2 epochs on the first 8,000 images; the grid scored on the last 5,000 (lesson 02's validation split), which the teacher never sees.
        Assert.Equal((2, 8_000, 5_000), (lesson.Training.Epochs, lesson.TransferSize, lesson.Validation));
        Assert.True(lesson.TeacherImages <= 60_000 - lesson.Validation, $"the teacher's {lesson.TeacherImages} images reach into the last {lesson.Validation} validation images");
    }

    [Fact]
    public async Task Lesson01sSmokeRunKeepsItsSmallSetsAndItsTeacher()
    {
        var lesson = await Lesson01Options(smoke: true);
        Assert.Equal((2_000, 1_500, 500, (int?)null, 1), (lesson.TrainLimit, lesson.TeacherImages, lesson.Validation, lesson.TransferSize, lesson.Training.Epochs));
        // The smoke teacher the lesson has always trained (one epoch on 1,500 of 2,000 images), so cached smoke runs keep theirs.
        var before = new MnistDistillationOptions { Lab = LabSettings.Lesson("lesson01", "auto", true, 1), Training = new() { Epochs = 1 }, Validation = 500, TeacherImages = 1_500 }.Effective();
        using var data = Synthetic();
        Assert.Equal(TeacherKey(before, data), TeacherKey(lesson, data));
        Assert.Equal((before.TrainLimit, before.TeacherImages), (lesson.TrainLimit, lesson.TeacherImages));
    }
}
