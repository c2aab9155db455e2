using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using KdLabs.Training;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace KdLabs.Studio.Tests;

/// <summary>
/// First start: the page answers at once, before the teacher exists; the teacher's progress (epoch, accuracy, time left)
/// reaches the API and the page; what needs the teacher is a 503 saying where it stands; training is enabled when it is
/// ready; a teacher that fails is shown on the page and logged with its stack trace.
/// </summary>
[Collection("studio")]
public sealed class StudioStartupTests(StudioFixture studio, BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task ThePageAnswersAndShowsTheTeachersProgressBeforeTheTeacherIsReady()
    {
        using var gate = new ManualResetEventSlim();
        var log = new List<string>();
        var clock = Stopwatch.StartNew();
        // A teacher that reports two epochs through the studio's own progress sink, then waits for the test: the real
        // smoke engine starts only when the gate opens (its teacher is cached, so it reports nothing itself).
        await using var server = await StudioServer.StartAsync(Fresh(), line => Remember(log, line), TrainingProgress.Silent, c =>
        {
            c.Phase(StudioPhase.TrainingTeacher, null);
            c.TeacherProgress.Run("teacher", sink =>
            {
                sink.StartEpoch(1, 3, 100);
                sink.Update(100, 0.5, 0.8, 1000);
                sink.EndEpoch(new EpochMetrics(1, 0.5, 0.8, 0.9, 1e-3, 10, 1000));
                sink.StartEpoch(2, 3, 100);
                sink.Update(40, 0.3, 0.91, 1000);
                WaitHandle.WaitAny([gate.WaitHandle, c.Stop.WaitHandle]);
                sink.Update(41, 0.3, 0.91, 1000);
                return 0;
            });
            return StudioEngine.Start(c.Options, c.TeacherProgress, c.Log, c.Phase);
        });
        using var http = Client(server);
        using (var page = await http.GetAsync(""))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("KdLabs Studio", await page.Content.ReadAsStringAsync());
        }
        output.WriteLine($"page served {clock.Elapsed.TotalMilliseconds:0} ms after the start, before the teacher");

        var status = await WaitForStatus(http, s => s.GetProperty("epoch").ValueKind == JsonValueKind.Number && s.GetProperty("epoch").GetInt32() == 2);
        Assert.Equal("training-teacher", status.GetProperty("state").GetString());
        Assert.False(status.GetProperty("ready").GetBoolean());
        Assert.Equal(3, status.GetProperty("epochs").GetInt32());
        Assert.Equal(40, status.GetProperty("step").GetInt32());
        Assert.Equal(0.91, status.GetProperty("trainAccuracy").GetDouble());
        Assert.Equal(0.9, status.GetProperty("testAccuracy").GetDouble());
        Assert.True(status.GetProperty("secondsLeft").GetDouble() >= 0);

        // What needs the engine answers at once, saying where the teacher stands.
        foreach (var request in new Func<Task<HttpResponseMessage>>[]
        {
            () => http.PostAsJsonAsync("api/runs", new { session = "early" }),
            () => http.GetAsync("api/config"),
            () => http.GetAsync("api/grid"),
        })
        {
            using var response = await request().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("teacher", answer.GetProperty("field").GetString());
            Assert.Contains("The teacher is still training (epoch 2 of 3", answer.GetProperty("error").GetString());
        }

        await using var context = await browser.Browser.NewContextAsync();
        var tab = await context.NewPageAsync();
        var errors = new List<string>();
        tab.Console += (_, m) =>
        {
            if (m.Type == "error")
            {
                errors.Add(m.Text + " @ " + m.Location);
            }
        };
        await tab.GotoAsync(server.Url.ToString());
        await tab.WaitForFunctionAsync("() => document.getElementById('teacher-status').textContent.includes('epoch 2 of 3')");
        string shown = (await tab.TextContentAsync("#teacher-status"))!;
        output.WriteLine("page: " + shown);
        Assert.Contains("running accuracy 91.00%", shown);
        Assert.Contains("last test accuracy 90.00%", shown);
        Assert.Contains("left", shown);
        Assert.True(await tab.EvaluateAsync<bool>("document.getElementById('run').matches(':disabled')"), "Run is enabled before the teacher is ready");
        Assert.Equal("training-teacher", await tab.GetAttributeAsync("body", "data-phase"));

        gate.Set();
        Assert.NotNull(await server.Ready.WaitAsync(TimeSpan.FromMinutes(5)));
        await tab.WaitForSelectorAsync("body[data-ready=true]", new PageWaitForSelectorOptions { Timeout = 60_000 });
        Assert.False(await tab.EvaluateAsync<bool>("document.getElementById('run').matches(':disabled')"), "Run stays disabled once the teacher is ready");
        Assert.True(await tab.IsHiddenAsync("#teacher-progress"));
        Assert.True(errors.Count == 0, "page errors: " + string.Join(" | ", errors));
    }

    [Fact]
    public async Task ATeacherThatFailsIsShownOnThePageAndLoggedWithItsStackTrace()
    {
        var log = new List<string>();
        await using var server = await StudioServer.StartAsync(Fresh(), line => Remember(log, line), TrainingProgress.Silent, c =>
        {
            c.Phase(StudioPhase.TrainingTeacher, null);
            return Unreadable();
        });
        Assert.Null(await server.Ready.WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(StudioPhase.Failed, server.Status.Phase);
        lock (log)
        {
            var line = Assert.Single(log, l => l.Contains("could not be loaded or trained", StringComparison.Ordinal));
            Assert.Contains("checkpoint is unreadable", line);
            Assert.Contains(nameof(Unreadable), line);
        }
        using var http = Client(server);
        var status = await http.GetFromJsonAsync<JsonElement>("api/status");
        Assert.Equal("failed", status.GetProperty("state").GetString());
        Assert.Contains(nameof(Unreadable), status.GetProperty("error").GetString());
        using (var response = await http.PostAsJsonAsync("api/runs", new { session = "failed" }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("checkpoint is unreadable", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
        }

        await using var context = await browser.Browser.NewContextAsync();
        var tab = await context.NewPageAsync();
        await tab.GotoAsync(server.Url.ToString());
        await tab.WaitForSelectorAsync("#error:not([hidden])");
        Assert.Contains("checkpoint is unreadable", await tab.TextContentAsync("#error"));
        Assert.Contains(nameof(Unreadable), await tab.TextContentAsync("#error-detail"));
        Assert.True(await tab.EvaluateAsync<bool>("document.getElementById('run').matches(':disabled')"));
    }

    [Fact]
    public void TheTeachersTimeLeftIsItsPaceSoFar()
    {
        var now = TimeSpan.Zero;
        StudioStatus? last = null;
        using var stop = new CancellationTokenSource();
        var progress = new TeacherProgress(TrainingProgress.Silent, s => last = s, stop.Token, () => now);
        progress.Run("teacher", sink =>
        {
            sink.StartEpoch(2, 5, 100);
            now = TimeSpan.FromSeconds(10);
            sink.Update(25, 0.4, 0.85, 160);
            // A quarter of epoch 2 in 10 s: 30 s more for it, then three epochs of 40 s.
            Assert.Equal(30 + (3 * 40), last!.SecondsLeft!.Value, 9);
            Assert.Equal("The teacher is still training (epoch 2 of 5, about 2 min 30 s left); the page starts training when it is ready.", last.NotReadyMessage());
            stop.Cancel();
            Assert.Throws<OperationCanceledException>(() => sink.Update(26, 0.4, 0.85, 160));
            return 0;
        });
    }

    [Fact]
    public void TheDefaultsAreLesson02s()
    {
        // The lesson's own parameters cell, read from the notebook: the Studio must open where the lesson trains.
        string notebook = File.ReadAllText(Path.Combine(StudioFixture.RepositoryRoot, "notebooks", "02-mnist-teacher-student.ipynb"));
        double Parameter(string declaration) => double.Parse(System.Text.RegularExpressions.Regex.Match(notebook, declaration + @" = ([0-9.]+);").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var settings = RunValidation.Validate(new RunRequest(), StudioEngine.LabOptions(new StudioOptions()), ["cnn-student"], 60_000, new StudioOptions().MaxEpochs);
        Assert.Equal(Parameter("double alpha"), settings.Alpha);
        Assert.Equal(Parameter("double temperature"), settings.Temperature);
        Assert.Equal(Parameter("int epochs"), settings.Epochs);
        Assert.Equal(Parameter("int transferSize"), settings.TrainSize);
        Assert.Equal(Parameter("int seed"), settings.Seed);
        Assert.True(settings.Seeds >= 3, $"{settings.Seeds} seeds by default");
        Assert.Equal([1, 2, 3], settings.SeedList);
        // The lesson's teacher too: one epoch on the first 20,000 training images, so a learner who ran the lesson has it cached.
        var lab = StudioEngine.LabOptions(new StudioOptions());
        Assert.Equal(Experiments.MnistDistillationOptions.SmallTransferSet.TeacherTrainer(), lab.TeacherTrainer());
        Assert.Equal(Experiments.MnistDistillationOptions.SmallTransferSet.TeacherImages, lab.TeacherImages);
    }

    [Fact]
    public async Task TheRunningStudiosDefaultsAreTheLessonsInSmokeMode()
    {
        var config = await studio.Http.GetFromJsonAsync<JsonElement>("api/config");
        var d = config.GetProperty("defaults");
        var lesson = Experiments.MnistDistillationOptions.SmallTransferSet;
        Assert.Equal(lesson.Kd.Alpha, d.GetProperty("alpha").GetDouble());
        Assert.Equal(lesson.Kd.Temperature, d.GetProperty("temperature").GetDouble());
        Assert.Equal(lesson.TransferSize, d.GetProperty("trainSize").GetInt32());
        Assert.Equal(RunValidation.DefaultSeeds, d.GetProperty("seeds").GetInt32());
        // Smoke mode trains one epoch, as every lab's smoke mode does.
        Assert.Equal((lesson with { Lab = lesson.Lab with { Smoke = true } }).Effective().Training.Epochs, d.GetProperty("epochs").GetInt32());
        Assert.True((await studio.Http.GetFromJsonAsync<JsonElement>("api/status")).GetProperty("ready").GetBoolean());
    }

    private static StudioEngine Unreadable() => throw new InvalidOperationException("The teacher's checkpoint is unreadable (a test's failure).");

    // Under the fixture's results folder, which it deletes.
    private StudioOptions Fresh() => studio.Options with { ResultsDirectory = Path.Combine(studio.Options.ResultsDirectory!, "startup-" + Guid.NewGuid().ToString("N")[..8]) };

    private static HttpClient Client(StudioServer server)
    {
        var http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromMinutes(1) };
        http.DefaultRequestHeaders.Add("Origin", server.Url.GetLeftPart(UriPartial.Authority));
        return http;
    }

    private static async Task<JsonElement> WaitForStatus(HttpClient http, Func<JsonElement, bool> until)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = await http.GetFromJsonAsync<JsonElement>("api/status");
            if (until(status))
            {
                return status;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "status never got there: " + status.GetRawText());
            await Task.Delay(100);
        }
    }

    private static void Remember(List<string> log, string line)
    {
        lock (log)
        {
            log.Add(line);
        }
    }
}
