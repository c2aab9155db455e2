using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Notebooks.Execution;

namespace KdLabs.Notebooks.Tests;

/// <summary>Every lesson under notebooks/ runs end to end in smoke mode through the kit's runner; a notebook that throws fails here.</summary>
public class CourseNotebookTests
{
    public static TheoryData<string> Lessons()
    {
        var data = new TheoryData<string>();
        foreach (var path in Directory.GetFiles(Path.Combine(KdLabsPaths.RepositoryRoot!, "notebooks"), "*.ipynb").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(path));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Lessons))]
    public async Task LessonRunsInSmokeMode(string notebook)
    {
        var result = await LessonRuns.KitAsync(notebook);
        Assert.True(result.Succeeded, result.Error?.Message);
        string html = File.ReadAllText(result.HtmlPath!);
        Assert.Contains("Plotly.newPlot", html);
    }

    [Fact]
    public void EveryLessonDeclaresASmokeParameter()
    {
        foreach (var path in Directory.GetFiles(Path.Combine(KdLabsPaths.RepositoryRoot!, "notebooks"), "*.ipynb"))
        {
            string text = File.ReadAllText(path);
            Assert.Contains("\"parameters\"", text);
            Assert.Contains("bool smoke = false;", text);
        }
    }
}
