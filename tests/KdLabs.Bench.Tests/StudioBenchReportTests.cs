using KdLabs.Infrastructure;
using KdLabs.Tests;

namespace KdLabs.Bench.Tests;

/// <summary>The studio's latencies: their result file and the "Studio" section of docs/benchmarks.md.</summary>
public class StudioBenchReportTests
{
    private const string HandWritten = """
        {
          "StartedUtc": "2026-12-02T14:30:00Z",
          "Machine": "Linux test box, 2 cores",
          "Command": "./kdlabs bench studio --train-limit 10000 --teacher-epochs 1 --rounds 3",
          "Settings": { "student": "cnn-student, 1 epoch, Hinton KD", "test images": "10,000" },
          "LoadBefore": [ 3.57, 1.71, 0.68 ],
          "LoadAfter": [ 4.25, 2.5, 1.0 ],
          "Rounds": 3,
          "Measurements": [
            { "Name": "1,000-image student: first streamed accuracy point", "TargetSeconds": 5, "Median": 0.61, "PerRound": [ 0.72, 0.61, 0.55 ] },
            { "Name": "10,000-image 1-epoch KD student, trained and scored on 10,000 test images", "TargetSeconds": 15, "Median": 17.25, "PerRound": [ 16.5, 17.25, 18.0 ] },
            { "Name": "10,000-image student with its no-KD baseline", "TargetSeconds": null, "Median": 33.4, "PerRound": [ 33.4, 32.0, 35.1 ] }
          ]
        }
        """;

    private static BenchSuiteResult Suite() => new("2026-12-02T06:35:48Z", "Linux test box", new Dictionary<string, string> { ["rounds"] = "1" },
        [new BenchRound(1, 1.0, 1.2, 10, false)], new Dictionary<string, IReadOnlyList<double>> { ["train:kit:cnn-student"] = [100.0] },
        [new BenchRatio("trainer/bare cnn-student", "kit against bare", "a", "b", [1.0], 1.0, 1.0, 1.0, 1.0, 0.9)], new Dictionary<string, string>());

    [Fact]
    public void BenchRenderPutsAHandWrittenStudioResultIntoTheStudioSectionWithItsLoadAndCommand()
    {
        string dir = TestData.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "studio-20261202-100000.json"), HandWritten.Replace("0.61", "9.99"));
        string path = Path.Combine(dir, "studio-20261202-143000.json");
        File.WriteAllText(path, HandWritten);
        Assert.Equal(path, StudioBenchReport.Newest(dir));

        var studio = StudioBenchReport.Load(path);
        string md = BenchReport.Markdown(Suite(), "suite.json", studio, "studio-20261202-143000.json");

        Assert.Contains("## Studio", md);
        Assert.Contains("studio-20261202-143000.json", md);
        Assert.Contains("3.57 1.71 0.68 before the first run, 4.25 2.50 1.00 after the last", md);
        Assert.Contains("| 1,000-image student: first streamed accuracy point | ≤ 5 s: met | **0.61 s** | 0.72, 0.61, 0.55 | `./kdlabs bench studio --train-limit 10000 --teacher-epochs 1 --rounds 3` |", md);
        Assert.Contains("| ≤ 15 s: **not met** | **17.25 s** | 16.50, 17.25, 18.00 |", md);
        Assert.Contains("| informs | **33.40 s** |", md);
        // No slider record: the row says how to make one, with the folder `kdlabs bench render` reads.
        Assert.Contains($"not recorded: run the browser test with KDLABS_BENCH_OUT={BenchReport.ResultsFolder} | – | `{StudioBenchReport.SliderRecordCommand}` |", md);
        Assert.True(md.IndexOf("## Studio", StringComparison.Ordinal) < md.IndexOf("## How to read it", StringComparison.Ordinal));
    }

    [Fact]
    public void TheBrowserTestsSliderRecordFillsTheSliderRowAndIsNotMistakenForABenchRun()
    {
        string dir = TestData.TempDirectory();
        string bench = Path.Combine(dir, "studio-20261202-143000.json");
        File.WriteAllText(bench, HandWritten);
        var slider = new StudioBenchResult("2026-12-02T15:00:00Z", "Linux test box", "KDLABS_BENCH_OUT=tools/KdLabs.Bench/results dotnet test ...",
            new Dictionary<string, string> { ["browser"] = "chromium" }, [1.0, 1.0, 1.0], [1.5, 1.0, 1.0], 3,
            [new StudioBenchMeasurement("T slider moved", 0.1, 0.0086, [0.0120, 0.0086, 0.0162])]);
        string sliderPath = StudioBenchReport.Save(slider, dir, StudioBenchReport.SliderPrefix);

        Assert.Equal(bench, StudioBenchReport.Newest(dir));
        Assert.Equal(sliderPath, StudioBenchReport.Newest(dir, StudioBenchReport.SliderPrefix));
        string md = BenchReport.Markdown(Suite(), "suite.json", StudioBenchReport.Load(bench), "studio.json", StudioBenchReport.Load(sliderPath), "slider.json");
        Assert.Contains("| T slider moved | ≤ 100 ms: met | **8.6 ms** (max 16.2 ms) | 3 moves |", md);
        Assert.Contains("The slider row is from slider.json, measured 2026-12-02T15:00:00Z", md);
        Assert.DoesNotContain("not recorded: run the browser test", md);
    }

    [Fact]
    public void WithoutAStudioResultTheSectionSaysNoneIsRecorded()
    {
        string md = BenchReport.Markdown(Suite(), "suite.json");
        Assert.Contains("## Studio", md);
        Assert.Contains("No studio run is recorded", md);
    }

    [Fact]
    public void ASliderRecordIsKeptWhenNoStudioRunIsRecorded()
    {
        var slider = new StudioBenchResult("2026-12-02T15:00:00Z", "Linux test box", "KDLABS_BENCH_OUT=tools/KdLabs.Bench/results dotnet test ...",
            new Dictionary<string, string> { ["browser"] = "chromium" }, [1.0, 1.0, 1.0], [1.5, 1.0, 1.0], 3,
            [new StudioBenchMeasurement("T slider moved", 0.1, 0.0086, [0.0120, 0.0086, 0.0162])]);
        string md = BenchReport.Markdown(Suite(), "suite.json", null, null, slider, "slider.json");
        Assert.Contains("No studio run is recorded", md);
        Assert.Contains("| T slider moved | ≤ 100 ms: met | **8.6 ms** (max 16.2 ms) | 3 moves |", md);
        Assert.Contains("The slider row is from slider.json", md);
    }

    [Fact]
    public void ASavedResultReadsBackAndKeepsEveryValue()
    {
        var r = StudioBenchReport.Load(WriteTemp(HandWritten));
        string path = StudioBenchReport.Save(r, TestData.TempDirectory());
        Assert.EndsWith("studio-20261202-143000.json", path);
        var back = StudioBenchReport.Load(path);
        Assert.Equal(r.Measurements.SelectMany(m => m.PerRound), back.Measurements.SelectMany(m => m.PerRound));
        Assert.Equal(r.LoadBefore, back.LoadBefore);
    }

    [Theory]
    [InlineData("{ \"Measurements\": [ 1, ", null)]
    [InlineData("\"PerRound\": [ 0.72, 0.61, 0.55 ]", "Measurements[0].PerRound")]
    [InlineData("\"Rounds\": 3,", "Rounds")]
    [InlineData("\"Machine\": \"Linux test box, 2 cores\",", "Machine")]
    public void ACorruptOrIncompleteStudioResultIsRejectedNamingTheFileAndTheField(string damage, string? field)
    {
        string text = field is null ? damage : HandWritten.Replace(damage, field switch
        {
            "Measurements[0].PerRound" => "\"PerRound\": [ 0.72 ]",
            "Rounds" => "\"Rounds\": 0,",
            _ => "",
        }, StringComparison.Ordinal);
        string path = WriteTemp(text);
        var e = Assert.Throws<DataFormatException>(() => StudioBenchReport.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Equal(path, e.FilePath);
        if (field is not null)
        {
            Assert.Equal(field, e.Field);
        }
    }

    private static string WriteTemp(string text)
    {
        string path = Path.Combine(TestData.TempDirectory(), "studio-20261202-143000.json");
        File.WriteAllText(path, text);
        return path;
    }
}
