using Xunit.Abstractions;

namespace KdLabs.Notebooks.Tests;

/// <summary>
/// Every lesson (whatever notebooks/ holds) runs in smoke mode through papermill on the kit's own kernel with no error
/// output, and shows what the kit's runner shows: the same kinds of output and MIME types per cell, charts drawn
/// offline, tables with the same columns (the checks the .NET Interactive kernel passes too).
/// </summary>
public class KitKernelLessonTests(ITestOutputHelper output)
{
    public static TheoryData<string> Lessons() => CourseNotebookTests.Lessons();

    [Theory]
    [MemberData(nameof(Lessons))]
    public async Task LessonRunsOnTheKitsKernelAsInTheKitsRunner(string notebook)
    {
        var kernelTask = LessonRuns.KitKernelAsync(notebook);
        var kit = await LessonRuns.KitAsync(notebook);
        RealKernelLessonTests.AssertSameAsRunner(notebook, kit, await kernelTask, "the kit's kernel", output);
    }
}
