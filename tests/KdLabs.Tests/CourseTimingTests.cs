using System.Text.Json.Nodes;
using KdLabs.Cli;
using KdLabs.Infrastructure;
using KdLabs.Notebooks.Execution;
using KdLabs.Notebooks.Format;

namespace KdLabs.Tests;

/// <summary><c>kdlabs course --time</c>: lessons timed through the runner, the table written between the markers only.</summary>
public class CourseTimingTests
{
    private const string Before = "# Benchmarks\n\nProse above, kept as it is.\n\n## Course run times\n\n";
    private const string After = "\nProse below, kept too.\n";

    private static string Page(string inside) => Before + CourseTiming.StartMarker + "\n" + inside + CourseTiming.EndMarker + After;

    private static void WriteNotebook(string path, params string[] code)
    {
        var notebook = Notebook.CreateCSharp();
        var parameters = NotebookCell.CSharp("bool smoke = false;");
        parameters.Metadata["tags"] = new JsonArray("parameters");
        notebook.Cells.Add(parameters);
        foreach (var source in code)
        {
            notebook.Cells.Add(NotebookCell.CSharp(source));
        }
        IpynbFormat.Write(notebook, path);
    }

    [Fact]
    public void TheSmokeCourseWritesOneRowPerLessonBetweenTheMarkersAndNothingElse()
    {
        string dir = TestData.TempDirectory();
        string notebooks = Directory.CreateDirectory(Path.Combine(dir, "notebooks")).FullName;
        WriteNotebook(Path.Combine(notebooks, "01-trains.ipynb"),
            "Console.WriteLine(smoke ? \"smoke\" : \"full\");",
            "Console.WriteLine(\"teacher epoch 1/2  loss 0.5000  train 90.00 %  1.0 s  100 img/s\");\nConsole.WriteLine(\"teacher epoch 2/2  loss 0.4000  train 91.00 %  1.0 s  100 img/s\");");
        // 300 MB touched page by page: the worker's peak resident memory must show it.
        WriteNotebook(Path.Combine(notebooks, "02-reuses.ipynb"),
            "var block = new byte[300_000_000];\nArray.Fill(block, (byte)1);\nConsole.WriteLine(block[^1]);",
            "Console.WriteLine(\"teacher 1 of 2: reusing epoch 3 of 3 in /tmp/teacher\");");
        string page = Path.Combine(dir, "benchmarks.md");
        File.WriteAllText(page, Page("Not measured yet.\n"));

        var (exit, output) = CliRunner.Run("course", "--time", "--smoke", "--notebooks", notebooks, "--out", Path.Combine(dir, "out"), "--benchmarks", page);

        Assert.True(exit == 0, output);
        string text = File.ReadAllText(page);
        Assert.StartsWith(Before + CourseTiming.StartMarker + "\n", text);
        Assert.EndsWith(CourseTiming.EndMarker + After, text);
        Assert.DoesNotContain("Not measured yet.", text);
        Assert.Contains("`kdlabs course --time --smoke --notebooks", text);
        Assert.Contains($"{Environment.ProcessorCount} cores", text);
        var rows = text.Split('\n').Where(l => l.StartsWith("| 0", StringComparison.Ordinal)).Select(l => l.Split(" | ")).ToList();
        Assert.Equal(2, rows.Count);
        Assert.Equal(["| 01-trains", "succeeded"], rows[0][..2]);
        Assert.Equal("trained", rows[0][4]);
        Assert.Equal(["| 02-reuses", "succeeded"], rows[1][..2]);
        Assert.Equal("cached", rows[1][4]);
        Assert.Equal("no |", rows[1][5]);
        if (OperatingSystem.IsLinux())
        {
            double peakGb = double.Parse(rows[1][3].Replace(" GB", ""), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(peakGb >= 0.3, $"peak {rows[1][3]} for a lesson holding 300 MB");
        }
        Assert.True(File.Exists(Path.Combine(dir, "out", "02-reuses.ipynb")));
    }

    [Fact]
    public void OnlyTheTextBetweenTheMarkersChanges()
    {
        string path = Path.Combine(TestData.TempDirectory(), "benchmarks.md");
        File.WriteAllText(path, Page("old table\n"));
        CourseTiming.WriteSection(path, "new table\n");
        Assert.Equal(Page("new table\n"), File.ReadAllText(path));
        CourseTiming.WriteSection(path, "newer table\n");
        Assert.Equal(Page("newer table\n"), File.ReadAllText(path));
    }

    [Fact]
    public void APageWithoutMarkersGetsTheSectionAtItsEnd()
    {
        string path = Path.Combine(TestData.TempDirectory(), "benchmarks.md");
        File.WriteAllText(path, "# Benchmarks\n\nProse.\n");
        CourseTiming.WriteSection(path, "table\n");
        Assert.Equal("# Benchmarks\n\nProse.\n\n## Course run times\n\n" + CourseTiming.StartMarker + "\ntable\n" + CourseTiming.EndMarker + "\n", File.ReadAllText(path));
    }

    [Fact]
    public void AnUnpairedMarkerIsRefusedAndThePageKept()
    {
        string path = Path.Combine(TestData.TempDirectory(), "benchmarks.md");
        string page = "# Benchmarks\n" + CourseTiming.StartMarker + "\nno end marker\n";
        File.WriteAllText(path, page);
        var e = Assert.Throws<DataFormatException>(() => CourseTiming.WriteSection(path, "table\n"));
        Assert.Contains(CourseTiming.EndMarker, e.Message);
        Assert.Equal(page, File.ReadAllText(path));
    }

    [Theory]
    [InlineData("cell 1 ok\n", "—")]
    [InlineData("teacher epoch 1/5  batch 300/938  loss 0.4100\nteacher epoch 1/5  loss 0.3\n", "trained")]
    [InlineData("teacher (ResNet-18) epoch 2/2  loss 0.3\n", "trained")]
    [InlineData("teacher: reusing epoch 5 of 5 in runs/x\nteacher logits: reusing runs/y\n", "cached")]
    [InlineData("teacher 1 of 3: reusing a\nteacher 2 of 3: reusing b\nteacher 3 of 3 epoch 1/1  loss 0.3\n", "trained 1, cached 2")]
    [InlineData("student epoch 1/1  loss 0.3\nteacher logits: reusing runs/y\n", "—")]
    public void TheTeacherColumnReadsTheLessonsOwnLines(string stream, string expected) =>
        Assert.Equal(expected, CourseTiming.TeacherUse(stream));

    [Fact]
    public void ALessonOverFiveMinutesOrFourGigabytesIsFlagged()
    {
        var rows = new List<LessonTiming>
        {
            new("01-quick", RunStatus.Succeeded, TimeSpan.FromSeconds(42.2), 1L << 30, "trained"),
            new("02-slow", RunStatus.Succeeded, TimeSpan.FromMinutes(6.5), 5L << 30, "cached"),
        };
        string md = CourseTiming.Section(rows, new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero), "kdlabs course --time", "Some CPU", 2, "0.10 0.20 0.30", "1.50 1.00 0.50", "a host");
        Assert.Contains("Measured 2026-12-07T12:00:00Z by `kdlabs course --time` on Some CPU, 2 cores; load average (1, 5, 15 min) 0.10 0.20 0.30 before, 1.50 1.00 0.50 after; lessons run by a host.", md);
        Assert.Contains("| 01-quick | succeeded | 42.2 s | 1.00 GB | trained | no |", md);
        Assert.Contains("| 02-slow | succeeded | 6 min 30 s | 5.00 GB | cached | **over 5 min**, **over 4 GB** |", md);
        Assert.Contains("Total 7 min 12 s", md);
    }

    [Fact]
    public void TheKernelTableHasItsOwnMarkersAndLeavesTheRunnersTableAlone()
    {
        string path = Path.Combine(Path.GetTempPath(), $"kdlabs-kernel-timing-{Guid.NewGuid():N}.md");
        try
        {
            File.WriteAllText(path, $"# Page\n\n{CourseTiming.StartMarker}\nrunner table\n{CourseTiming.EndMarker}\n");
            CourseTiming.WriteSection(path, "kernel table\n", KernelCourseTiming.StartMarker, KernelCourseTiming.EndMarker, "On a kernel");
            CourseTiming.WriteSection(path, "newer kernel table\n", KernelCourseTiming.StartMarker, KernelCourseTiming.EndMarker, "On a kernel");
            string page = File.ReadAllText(path);
            Assert.Contains($"{CourseTiming.StartMarker}\nrunner table\n{CourseTiming.EndMarker}", page);
            Assert.Contains($"## On a kernel\n\n{KernelCourseTiming.StartMarker}\nnewer kernel table\n{KernelCourseTiming.EndMarker}", page);
            Assert.DoesNotContain("\nkernel table", page);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void PapermillGetsTheKernelCSharpsParameterSyntaxAndPythonBooleans()
    {
        var args = KernelCourseTiming.Arguments("notebooks/01.ipynb", "out/01.ipynb", ".net-csharp", "notebooks",
            new Dictionary<string, string> { ["smoke"] = "true", ["seed"] = "2", ["wholePool"] = "FALSE", ["device"] = "cpu" }, TimeSpan.FromSeconds(90.5));
        Assert.Equal(["notebooks/01.ipynb", "out/01.ipynb", "-k", ".net-csharp", "-l", ".net-csharp", "--cwd", "notebooks", "--no-progress-bar", "--log-output",
            "-p", "device", "cpu", "-p", "seed", "2", "-p", "smoke", "True", "-p", "wholePool", "False", "--execution-timeout", "91"], args);
    }

    [Fact]
    public void ThePeakOfAProcessTreeIncludesItsChildren()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        // bash (small) starts python, which holds 200 MB: the tree's high-water mark, read from bash, must count its child.
        // "; true" keeps bash from exec-ing python in its own place.
        using var child = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("bash",
            ["-c", "python3 -c 'import time; b = bytearray(200 * 1024 * 1024); print(\"ready\", flush=True); time.sleep(30)'; true"])
            { RedirectStandardOutput = true })!;
        try
        {
            Assert.Equal("ready", child.StandardOutput.ReadLine());
            Assert.True(KernelCourseTiming.TreePeakBytes(child.Id) >= 200L << 20);
        }
        finally
        {
            child.Kill(entireProcessTree: true);
        }
    }
}
