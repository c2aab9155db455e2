using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using KdLabs.Course;
using KdLabs.Data;
using KdLabs.Experiments;
using KdLabs.Infrastructure;
using KdLabs.Losses;
using static TorchSharp.torch;

namespace KdLabs.Tests;

/// <summary>
/// The course as learners and teachers meet it: the shared setup cell, the exercise checks, the dev container,
/// the first cell's kit check and <c>kdlabs setup</c>'s pack step.
/// </summary>
public class CourseTests
{
    private static string Root => KdLabsPaths.RepositoryRoot!;

    // ------------------------------------------------------------------ setup cell

    private static IReadOnlyList<(string Notebook, string Source)> SetupCells()
    {
        var cells = new List<(string, string)>();
        foreach (var path in Directory.GetFiles(Path.Combine(Root, "notebooks"), "*.ipynb").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var matches = doc.RootElement.GetProperty("cells").EnumerateArray()
                .Where(c => c.GetProperty("cell_type").GetString() == "code")
                .Select(CellSource)
                .Where(s => s.Contains("#r \"nuget: KdLabs", StringComparison.Ordinal))
                .ToList();
            Assert.True(matches.Count == 1, $"{Path.GetFileName(path)}: expected exactly one setup cell (#r \"nuget: KdLabs...), found {matches.Count}.");
            cells.Add((Path.GetFileName(path), matches[0]));
        }
        return cells;
    }

    private static string CellSource(JsonElement cell)
    {
        var source = cell.GetProperty("source");
        return (source.ValueKind == JsonValueKind.Array
            ? string.Concat(source.EnumerateArray().Select(l => l.GetString()))
            : source.GetString() ?? "").Replace("\r\n", "\n");
    }

    [Fact]
    public void EveryLessonHasTheSameSetupCell()
    {
        var cells = SetupCells();
        Assert.True(cells.Count >= 2, "expected at least lessons 01 and 02");
        var (firstNotebook, reference) = cells[0];
        foreach (var (notebook, source) in cells.Skip(1))
        {
            Assert.True(source == reference,
                $"{notebook}'s setup cell differs from {firstNotebook}'s; copy it verbatim (first difference at character {FirstDifference(reference, source)}).");
        }
    }

    [Fact]
    public void SetupCellLoadsThePackedKitTheCpuBackendAndChecksIt()
    {
        string cell = SetupCells()[0].Source;
        string version = XDocument.Load(Path.Combine(Root, "src", "KdLabs", "KdLabs.csproj")).Descendants("Version").Single().Value;
        Assert.Contains($"#r \"nuget: KdLabs, {version}\"", cell);
        Assert.Matches(new Regex("^#r \"nuget: TorchSharp-cpu, 0\\.107\\.0\"$", RegexOptions.Multiline), cell);
        Assert.Matches(new Regex("^// *#r \"nuget: TorchSharp-cuda-linux", RegexOptions.Multiline), cell); // present, commented out
        Assert.Matches(new Regex("^// *#r \"nuget: TorchSharp-cuda-windows", RegexOptions.Multiline), cell);
        // No package-source line: `kdlabs setup` registers artifacts/packages as the NuGet source kdlabs-local.
        Assert.DoesNotContain("#i ", cell);
        Assert.DoesNotMatch(new Regex(@"(^|[\s""])(/|[A-Za-z]:\\)\w"), cell.Replace("//", ""));
        Assert.Contains("KitCheck.Verify()", cell);
        Assert.Contains(KitCheck.SetupCommand, cell);
        Assert.True(cell.Split('\n').Length <= 15, $"the setup cell has {cell.Split('\n').Length} lines; keep it at 15 or fewer");
    }

    [Fact]
    public void EveryLessonOpensWithGoalsAndRunTimeAndHasCheckedExercisesWithPlaceholders()
    {
        foreach (var path in Directory.GetFiles(Path.Combine(Root, "notebooks"), "*.ipynb"))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var cells = doc.RootElement.GetProperty("cells").EnumerateArray().ToList();
            string name = Path.GetFileName(path);
            string first = CellSource(cells[0]);
            Assert.True(cells[0].GetProperty("cell_type").GetString() == "markdown" && first.StartsWith("# Lesson ", StringComparison.Ordinal), $"{name}: the first cell should be the lesson's title");
            Assert.True(first.Contains("**Goals.**", StringComparison.Ordinal) && first.Contains("**Run time**", StringComparison.Ordinal), $"{name}: state goals and run time in the first cell");
            // An exercise cell calls a check and marks the learner's placeholder with "// TODO".
            var exercises = cells.Select(CellSource).Where(s => s.Contains("Exercises.Lesson", StringComparison.Ordinal)).ToList();
            Assert.True(exercises.Count is >= 2 and <= 4, $"{name}: expected 2 to 4 checked exercises, found {exercises.Count}");
            Assert.All(exercises, s => Assert.Contains("// TODO", s));
        }
    }

    private static int FirstDifference(string a, string b)
    {
        int n = Math.Min(a.Length, b.Length);
        for (int i = 0; i < n; i++)
        {
            if (a[i] != b[i])
            {
                return i;
            }
        }
        return n;
    }

    // ------------------------------------------------------------------ exercises, lesson 01

    [Fact]
    public void SoftTargetsAcceptsTheRightAnswerAndItMatchesTheKitsSoftmax()
    {
        using var p = SoftTargets.Probabilities(tensor(new float[] { 2, 1, 0 }), 4);
        double[] exact = p.data<float>().ToArray().Select(v => (double)v).ToArray();
        Assert.Equal(0.419, exact[0], 3);
        var right = Exercises.Lesson01.SoftTargets(exact.Select(v => Math.Round(v, 2)).ToArray());
        Assert.True(right.Correct, right.Message);
        Assert.StartsWith("✓", right.ToString());
        Assert.Contains("0.419", right.Message);
    }

    [Theory]
    [InlineData(new[] { 0.0, 0.0, 0.0 }, "not answered yet")]
    [InlineData(new[] { 0.67, 0.24, 0.09 }, "T = 1")]
    [InlineData(new[] { 0.98, 0.02, 0.0 }, "multiplying sharpens")]
    [InlineData(new[] { 0.25, 0.33, 0.42 }, "wrong order")]
    [InlineData(new[] { 0.5, 0.4, 0.3 }, "sum to 1.2")]
    [InlineData(new[] { 0.5, 0.5 }, "expected 3")]
    [InlineData(new[] { 0.45, 0.30, 0.25 }, "entry 1")]
    [InlineData(new[] { 1.5, -0.25, -0.25 }, "between 0 and 1")]
    public void SoftTargetsRejectsWrongAnswersWithAReason(double[] answer, string reason)
    {
        var result = Exercises.Lesson01.SoftTargets(answer);
        Assert.False(result.Correct, result.Message);
        Assert.StartsWith("✗", result.ToString());
        Assert.Contains(reason, result.Message);
    }

    private static readonly SweepCell[] Grid =
    [
        new(0, 1, 0.768, 232, 1), new(0.5, 1, 0.787, 213, 1), new(1, 1, 0.813, 187, 1),
        new(0, 4, 0.729, 271, 1), new(0.5, 4, 0.790, 210, 1), new(1, 4, 0.760, 240, 1),
    ];

    [Fact]
    public void BestAlphaAcceptsTheTopOfTheColumnAndQuantifiesTheNoise()
    {
        var result = Exercises.Lesson01.BestAlpha(Grid, 0.5, temperature: 4);
        Assert.True(result.Correct, result.Message);
        Assert.Contains("79.0 %", result.Message);
        Assert.Contains("1,000 test images", result.Message);
        Assert.Contains("seed", result.Message);
    }

    [Fact]
    public void BestAlphaNamesTheValidationImagesTheGridWasScoredOn()
    {
        // The lesson's grid is scored on held-out training images: the noise band and the error gap are about those, not the test set.
        var grid = Grid.Select(c => c with { EvaluationSet = "validation" }).ToArray();
        var right = Exercises.Lesson01.BestAlpha(grid, 0.5, temperature: 4);
        Assert.True(right.Correct, right.Message);
        Assert.Contains("1,000 validation images", right.Message);
        Assert.DoesNotContain("test", right.Message);
        var wrong = Exercises.Lesson01.BestAlpha(grid, 0, temperature: 4);
        Assert.Contains("fewer validation errors", wrong.Message);
    }

    [Fact]
    public void BestAlphaAcceptsEitherSideOfATie()
    {
        SweepCell[] tied = [new(0, 4, 0.8, 200, 1), new(1, 4, 0.8, 200, 1), new(0.5, 4, 0.7, 300, 1)];
        Assert.True(Exercises.Lesson01.BestAlpha(tied, 0).Correct);
        Assert.True(Exercises.Lesson01.BestAlpha(tied, 1).Correct);
        Assert.False(Exercises.Lesson01.BestAlpha(tied, 0.5).Correct);
    }

    [Theory]
    [InlineData(double.NaN, "not answered yet")]
    [InlineData(0.3, "not in the grid")]
    [InlineData(1.0, "best at T = 1")]  // best overall, but at the other temperature
    [InlineData(0.0, "fewer test errors")]
    public void BestAlphaRejectsWrongAnswersWithAReason(double answer, string reason)
    {
        var result = Exercises.Lesson01.BestAlpha(Grid, answer, temperature: 4);
        Assert.False(result.Correct, result.Message);
        Assert.Contains(reason, result.Message);
    }

    [Fact]
    public void BestAlphaExplainsAMissingColumnInsteadOfThrowing()
    {
        var result = Exercises.Lesson01.BestAlpha(Grid.Where(c => c.Temperature == 1).ToArray(), 0.5, temperature: 4);
        Assert.False(result.Correct);
        Assert.Contains("no cell at T = 4", result.Message);
    }

    // Norms as measured in a smoke run of lesson 01 (ratio T=2 → T=8 without T²: 18.5).
    private static readonly GradientScaleRow[] Table =
    [
        new(1, 0.0502, 0.0502), new(2, 0.0718, 0.017946), new(4, 0.0714, 0.0044654), new(8, 0.0621, 0.00097051), new(16, 0.0567, 0.00022158),
    ];

    [Theory]
    [InlineData(18.5)]
    [InlineData(17)]
    [InlineData(16)] // the large-T law (8/2)²
    public void GradientShrinkAcceptsTheMeasuredRatioOrTheLaw(double answer)
    {
        var result = Exercises.Lesson01.GradientShrink(Table, answer);
        Assert.True(result.Correct, result.Message);
        Assert.Contains("18.5", result.Message);
        Assert.Contains("T²", result.Message);
    }

    [Theory]
    [InlineData(double.NaN, "not answered yet")]
    [InlineData(4, "one factor of T")]
    [InlineData(0.054, "inverted")]
    [InlineData(1.156, "NormWithT2 column")]
    [InlineData(100, "not what the table shows")]
    public void GradientShrinkRejectsWrongAnswersWithAReason(double answer, string reason)
    {
        var result = Exercises.Lesson01.GradientShrink(Table, answer);
        Assert.False(result.Correct, result.Message);
        Assert.Contains(reason, result.Message);
    }

    [Fact]
    public void GradientShrinkMatchesWhatTheKitMeasures()
    {
        // The same table the lesson builds, from real (random) logits: the check must accept the ratio it contains.
        using var scope = NewDisposeScope();
        manual_seed(3);
        var table = TemperatureSofteningLab.GradientScale(randn(64, 10), randn(64, 10) * 5, [2, 8]);
        double measured = table[0].NormWithoutT2 / table[1].NormWithoutT2;
        Assert.InRange(measured, 8, 40); // roughly (8/2)² = 16
        Assert.True(Exercises.Lesson01.GradientShrink(table, measured).Correct);
        Assert.False(Exercises.Lesson01.GradientShrink(table, 4).Correct);
    }

    // ------------------------------------------------------------------ exercises, lesson 02

    private static ModelResult Row(string name, double accuracy, int errors) => new(name, 1, 1, accuracy, errors, accuracy, 1, 1, 1, 1, 1, 1);

    [Fact]
    public void ErrorsSavedAcceptsTheDifferenceAndJudgesItAgainstNoise()
    {
        var baseline = Row("student (no KD)", 0.9, 100);
        var small = Exercises.Lesson02.ErrorsSaved(baseline, Row("student (KD)", 0.905, 95), 5);
        Assert.True(small.Correct, small.Message);
        Assert.Contains("cannot tell", small.Message);
        var large = Exercises.Lesson02.ErrorsSaved(baseline, Row("student (KD)", 0.96, 40), 60);
        Assert.True(large.Correct, large.Message);
        Assert.Contains("larger than that", large.Message);
    }

    [Theory]
    [InlineData(null, "not answered yet")]
    [InlineData(-5, "sign flipped")]
    [InlineData(7, "not what the table shows")]
    public void ErrorsSavedRejectsWrongAnswersWithAReason(int? answer, string reason)
    {
        var result = Exercises.Lesson02.ErrorsSaved(Row("b", 0.9, 100), Row("d", 0.905, 95), answer);
        Assert.False(result.Correct, result.Message);
        Assert.Contains(reason, result.Message);
    }

    [Fact]
    public void ErrorsSavedRecognisesPercentagePoints()
    {
        var result = Exercises.Lesson02.ErrorsSaved(Row("b", 0.90, 1000), Row("d", 0.92, 800), 2);
        Assert.False(result.Correct);
        Assert.Contains("percentage points", result.Message);
    }

    [Theory]
    [InlineData('b', true, "dropout")]
    [InlineData('B', true, "LiveTeacher")]
    [InlineData('a', false, "dropout")]
    [InlineData('c', false, "no_grad")]
    [InlineData('d', false, "running statistics")]
    [InlineData('?', false, "not answered yet")]
    [InlineData('x', false, "not one of the choices")]
    public void TeacherModeExplainsEveryChoice(char answer, bool correct, string reason)
    {
        var result = Exercises.Lesson02.TeacherMode(answer);
        Assert.Equal(correct, result.Correct);
        Assert.Contains(reason, result.Message);
        Assert.Equal(['a', 'b', 'c', 'd'], Exercises.Lesson02.TeacherModeChoices.Keys.Order());
    }

    [Theory]
    [InlineData('a', true, "KL(teacher ‖ student)")]
    [InlineData('b', false, "swapped")]
    [InlineData('c', false, "log_target: false")]
    [InlineData('d', false, "log-probabilities")]
    [InlineData('?', false, "not answered yet")]
    public void KlDirectionExplainsEveryChoice(char answer, bool correct, string reason)
    {
        var result = Exercises.Lesson02.KlDirection(answer);
        Assert.Equal(correct, result.Correct);
        Assert.Contains(reason, result.Message);
    }

    [Fact]
    public void KlDirectionsCorrectChoiceIsTheOnlyOneThatComputesTheKitsKl()
    {
        // Evaluate every choice with TorchSharp as the notebook shows it: only 'a' equals KL(teacher ‖ student).
        using var scope = NewDisposeScope();
        manual_seed(5);
        var s = randn(8, 10);
        var t = randn(8, 10) * 3;
        const double T = 4;
        double expected = KlDivergence.FromLogits(t, s, T).item<float>() * 8; // summed, not batch-averaged
        var ls = nn.functional.log_softmax(s / T, 1);
        var lt = nn.functional.log_softmax(t / T, 1);
        var values = new Dictionary<char, double>
        {
            ['a'] = nn.functional.kl_div(ls, lt, reduction: nn.Reduction.Sum, log_target: true).item<float>(),
            ['b'] = nn.functional.kl_div(lt, ls, reduction: nn.Reduction.Sum, log_target: true).item<float>(),
            ['c'] = nn.functional.kl_div(ls, lt, reduction: nn.Reduction.Sum, log_target: false).item<float>(),
            ['d'] = nn.functional.kl_div(ls.exp(), lt.exp(), reduction: nn.Reduction.Sum, log_target: false).item<float>(),
        };
        foreach (var (choice, value) in values)
        {
            bool matches = Math.Abs(value - expected) < 1e-3 * Math.Max(1, Math.Abs(expected));
            Assert.True(matches == Exercises.Lesson02.KlDirection(choice).Correct, $"choice {choice}: {value} vs KL {expected}");
        }
        Assert.Equal(values.Keys.Order(), Exercises.Lesson02.KlDirectionChoices.Keys.Order());
    }

    [Fact]
    public void NoCheckThrowsOnOddAnswers()
    {
        foreach (var answer in new double[][] { [], [double.NaN, 0, 0], [double.PositiveInfinity, 0, 0], [1, 0, 0, 0] })
        {
            Assert.False(Exercises.Lesson01.SoftTargets(answer).Correct);
        }
        Assert.False(Exercises.Lesson01.SoftTargets(null).Correct);
        Assert.False(Exercises.Lesson01.BestAlpha([], 0.5).Correct);
        Assert.False(Exercises.Lesson01.GradientShrink([], 16).Correct);
        Assert.False(Exercises.Lesson01.GradientShrink(Table, 0).Correct);
        Assert.False(Exercises.Lesson01.GradientShrink(Table, double.NegativeInfinity).Correct);
        Assert.True(Exercises.Lesson02.ErrorsSaved(Row("b", 1, 0), Row("d", 1, 0), 0).Correct);
    }

    // ------------------------------------------------------------------ dev container

    private static JsonElement DevContainer()
    {
        string text = File.ReadAllText(Path.Combine(Root, ".devcontainer", "devcontainer.json"));
        using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return doc.RootElement.Clone();
    }

    [Fact]
    public void DevContainerRunsCommandsThatExistInTheOrderTheyNeed()
    {
        // What the container does on creation must be runnable from this checkout: every script it names exists and is
        // executable, the solution exists, each kdlabs subcommand is one the CLI has, and the machine check comes first
        // (the build needs its C++ runtime), the kit's setup last (it packs what the build made).
        var root = DevContainer();
        string post = root.GetProperty("postCreateCommand").GetString()!;
        var steps = post.Split("&&", StringSplitOptions.TrimEntries);
        Assert.StartsWith("scripts/setup.sh", steps[0]);
        Assert.StartsWith("./kdlabs setup", steps[^1]);
        foreach (string step in steps)
        {
            string program = step.Split(' ')[0];
            if (program.Contains('/'))
            {
                string path = Path.Combine(Root, program);
                Assert.True(File.Exists(path), $"devcontainer.json runs {program}, which is not in the checkout.");
                Assert.True(OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0, $"{program} is not executable.");
            }
            foreach (Match sln in Regex.Matches(step, @"\S+\.sln\b"))
            {
                Assert.True(File.Exists(Path.Combine(Root, sln.Value)), $"devcontainer.json builds {sln.Value}, which is not in the checkout.");
            }
        }
        string folder = root.GetProperty("workspaceFolder").GetString()!;
        Assert.Contains($"target={folder},", root.GetProperty("workspaceMount").GetString());
    }

    [Fact]
    public void DevContainerStartsEveryProcessWithTheKitsComputeEnvironment()
    {
        // Polyglot Notebooks starts its kernel from VS Code's own environment, not from a kernelspec, so in a Codespace the
        // container's environment is the only place that reaches it.
        var env = DevContainer().GetProperty("containerEnv");
        foreach (var (name, value) in KdLabs.Infrastructure.ComputeEnvironment.Variables)
        {
            Assert.True(env.TryGetProperty(name, out var set), $"devcontainer.json's containerEnv does not set {name}; add \"{name}\": \"{value}\".");
            Assert.Equal(value, set.GetString());
        }
    }

    [Fact]
    public void DevContainerImageHasTheCppRuntimeTorchSharpNeeds()
    {
        // TorchSharp 0.107's native library needs GLIBCXX_3.4.32 (GCC 13+): Ubuntu 24.04 (noble) has it, the Debian 12
        // (bookworm) images do not, and the container has no step that would install it.
        string image = DevContainer().GetProperty("image").GetString()!;
        Assert.Matches(@":10\.0(\.\d+)?-(noble|trixie|questing|resolute)$", image);
        Assert.DoesNotContain("bookworm", image, StringComparison.Ordinal);
    }

    // ------------------------------------------------------------------ kit check

    [Fact]
    public void VerifyInTheTestsReportsTheProjectsVersionFromAProjectBuild()
    {
        var status = KitCheck.Verify();
        string project = File.ReadAllText(Path.Combine(Root, "src", "KdLabs", "KdLabs.csproj"));
        Assert.Equal(Regex.Match(project, "<Version>([^<]+)</Version>").Groups[1].Value, status.Version);
        Assert.False(KitCheck.IsNuGetPackageFolder(status.LoadedFrom));
    }

    [Fact]
    public void KitCheckNamesTheComputeVariablesAKernelStartedWithoutAndHowToGetThem()
    {
        var status = new KitStatus(true, "0.1.0", "/nuget/kdlabs/0.1.0/lib/net10.0", "KdLabs 0.1.0 is loaded.");
        Assert.Same(status, KitCheck.WithComputeEnvironment(status, []));

        var hinted = KitCheck.WithComputeEnvironment(status, ["GOMP_SPINCOUNT"]);
        Assert.True(hinted.Ok);
        Assert.StartsWith("KdLabs 0.1.0 is loaded. " + KitCheck.ComputeEnvironmentHint + " GOMP_SPINCOUNT=10000 ", hinted.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("GLIBC_TUNABLES", hinted.Message, StringComparison.Ordinal);
        Assert.Contains(KitCheck.SetupCommand, hinted.Message, StringComparison.Ordinal);
        Assert.Contains("restart the kernel", hinted.Message, StringComparison.Ordinal);
        Assert.Contains("GLIBC_TUNABLES=glibc.malloc.arena_max=1 and GOMP_SPINCOUNT=10000 (",
            KitCheck.WithComputeEnvironment(status, ["GLIBC_TUNABLES", "GOMP_SPINCOUNT"]).Message, StringComparison.Ordinal);
        Assert.Contains("GLIBC_TUNABLES=glibc.malloc.arena_max=1, GOMP_SPINCOUNT=10000 and DOTNET_gcServer=0 (",
            KitCheck.WithComputeEnvironment(status, [.. ComputeEnvironment.Variables.Keys]).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KitCheckFlagsAProjectBuildOlderThanTheSources()
    {
        using var dir = new TempDir();
        string repo = FakeRepository(dir.Path, sourceTime: DateTime.UtcNow.AddHours(-1));
        string dll = Path.Combine(dir.Path, "bin", "KdLabs.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(dll)!);
        File.WriteAllText(dll, "");
        Assert.True(KitCheck.Check("0.1.0", dll, Guid.NewGuid(), repo, Path.Combine(repo, KitCheck.PackageFolder)).Ok);
        File.SetLastWriteTimeUtc(dll, DateTime.UtcNow.AddHours(-2));
        var stale = KitCheck.Check("0.1.0", dll, Guid.NewGuid(), repo, Path.Combine(repo, KitCheck.PackageFolder));
        Assert.False(stale.Ok);
        Assert.Contains("src/KdLabs/Thing.cs", stale.Message);
        Assert.Contains("rebuild", stale.Message);
    }

    [Fact]
    public void KitCheckTellsTheLearnerToRunSetupWhenThePackageIsMissingStaleOrOlderThanTheSources()
    {
        using var dir = new TempDir();
        string repo = FakeRepository(dir.Path, sourceTime: DateTime.UtcNow.AddHours(-1));
        string packages = Path.Combine(repo, KitCheck.PackageFolder);
        string cached = Path.Combine(dir.Path, "nuget", "kdlabs", "0.1.0");
        string dll = Path.Combine(cached, "lib", "net10.0", "KdLabs.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(dll)!);
        File.Copy(typeof(KitCheck).Assembly.Location, dll);
        File.WriteAllText(Path.Combine(cached, ".nupkg.metadata"), "{}");
        Assert.True(KitCheck.IsNuGetPackageFolder(Path.GetDirectoryName(dll)!));
        Guid mvid = typeof(KitCheck).Assembly.ManifestModule.ModuleVersionId;

        var missing = KitCheck.Check("0.1.0", dll, mvid, repo, packages);
        Assert.False(missing.Ok);
        Assert.Contains("does not exist", missing.Message);
        Assert.Contains("./kdlabs setup", missing.Message);
        Assert.Contains("restart the kernel", missing.Message);

        string nupkg = Path.Combine(packages, "KdLabs.0.1.0.nupkg");
        Directory.CreateDirectory(packages);
        using (var zip = ZipFile.Open(nupkg, ZipArchiveMode.Create))
        {
            zip.CreateEntryFromFile(typeof(KitCheck).Assembly.Location, "lib/net10.0/KdLabs.dll");
        }
        Assert.Equal(mvid, KitCheck.PackagedModuleId(nupkg));
        var ok = KitCheck.Check("0.1.0", dll, mvid, repo, packages);
        Assert.True(ok.Ok, ok.Message);

        var older = KitCheck.Check("0.1.0", dll, Guid.NewGuid(), repo, packages);
        Assert.False(older.Ok);
        Assert.Contains("older KdLabs", older.Message);
        Assert.Contains("./kdlabs setup", older.Message);

        File.SetLastWriteTimeUtc(nupkg, DateTime.UtcNow.AddHours(-2));
        var sources = KitCheck.Check("0.1.0", dll, mvid, repo, packages);
        Assert.False(sources.Ok);
        Assert.Contains("src/KdLabs/Thing.cs changed", sources.Message);
    }

    private static string FakeRepository(string dir, DateTime sourceTime)
    {
        string repo = Path.Combine(dir, "repo");
        string src = Path.Combine(repo, "src", "KdLabs");
        Directory.CreateDirectory(Path.Combine(src, "obj"));
        File.WriteAllText(Path.Combine(repo, "KdLabs.sln"), "");
        File.WriteAllText(Path.Combine(src, "Thing.cs"), "");
        File.SetLastWriteTimeUtc(Path.Combine(src, "Thing.cs"), sourceTime);
        File.WriteAllText(Path.Combine(src, "obj", "Generated.cs"), ""); // build output: ignored however new
        return repo;
    }

    // ------------------------------------------------------------------ kdlabs setup

    /// <summary>
    /// The pack step for real (about a minute on 2 busy cores): `kdlabs setup --skip-data` into a temporary folder, with
    /// a fake NuGet cache holding an old KdLabs 0.1.0 that must be removed. MNIST fetching is covered by the data tests.
    /// </summary>
    [Fact]
    public void SetupPacksTheLibraryAndRemovesTheStaleCachedCopy()
    {
        using var dir = new TempDir();
        string packages = Path.Combine(dir.Path, "packages");
        string cache = Path.Combine(dir.Path, "nuget");
        string stale = Path.Combine(cache, "kdlabs", "0.1.0");
        Directory.CreateDirectory(stale);
        File.WriteAllText(Path.Combine(stale, "kdlabs.nuspec"), "old");

        // Its own NuGet configuration: registering the temporary folder in the user's would break every later restore
        // on this machine once the folder is deleted (NU1301).
        string config = Path.Combine(dir.Path, "NuGet.Config");
        File.WriteAllText(config, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<configuration>\n  <packageSources />\n</configuration>\n");
        string userConfigBefore = UserNuGetConfigText();

        var (exit, output) = CliRunner.Run("setup", "--skip-data", "--out", packages, "--nuget-cache", cache, "--nuget-config", config);
        Assert.True(exit == 0, output);
        string nupkg = Path.Combine(packages, "KdLabs.0.1.0.nupkg");
        Assert.True(File.Exists(nupkg), output);
        Assert.False(Directory.Exists(stale), "the cached KdLabs 0.1.0 should have been removed");
        Assert.Contains("removed NuGet's cached copy", output);

        using var zip = ZipFile.OpenRead(nupkg);
        Assert.Contains(zip.Entries, e => e.FullName == "lib/net10.0/KdLabs.dll");
        using var nuspecStream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        var nuspec = XDocument.Load(nuspecStream);
        XNamespace ns = nuspec.Root!.Name.Namespace;
        Assert.Equal("KdLabs", nuspec.Descendants(ns + "id").Single().Value);
        // The kit depends on the TorchSharp bindings only; the notebook's setup cell picks the native backend (CPU or CUDA).
        Assert.Contains(nuspec.Descendants(ns + "dependency"), d => (string?)d.Attribute("id") == "TorchSharp" && (string?)d.Attribute("version") == "0.107.0");
        Assert.DoesNotContain(nuspec.Descendants(ns + "dependency"), d => ((string?)d.Attribute("id"))?.StartsWith("TorchSharp-", StringComparison.Ordinal) == true);
        Assert.NotNull(KitCheck.PackagedModuleId(nupkg));
        Assert.Contains(packages, File.ReadAllText(config));
        Assert.Equal(userConfigBefore, UserNuGetConfigText());
    }

    private static string UserNuGetConfigText()
    {
        string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string path = Path.Combine(home, ".nuget", "NuGet", "NuGet.Config");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kdlabs-course-" + Guid.NewGuid().ToString("N")[..8]);

        public TempDir() => Directory.CreateDirectory(Path);

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
