using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace KdLabs.Studio.Tests;

/// <summary>The studio's HTTP API without a browser: validation, streaming, caching, supersede, disconnects, queue bound.</summary>
[Collection("studio")]
public sealed class StudioApiTests(StudioFixture studio, ITestOutputHelper output)
{
    private HttpClient Http => studio.Http;

    [Theory]
    [InlineData("{\"alpha\":1.5}", "alpha", "alpha must be in [0, 1]")]
    [InlineData("{\"alpha\":-0.1}", "alpha", "alpha must be in [0, 1]")]
    [InlineData("{\"temperature\":0}", "temperature", "temperature T must be between 0.01 and 100")]
    [InlineData("{\"temperature\":\"abc\"}", "temperature", "cannot read")]
    [InlineData("{\"epochs\":0}", "epochs", "Epochs must be between 1 and")]
    [InlineData("{\"epochs\":500}", "epochs", "between 1 and 20")]
    [InlineData("{\"trainSize\":1000000}", "trainSize", "between 1 and 2,000")]
    [InlineData("{\"student\":\"resnet-9000\"}", "student", "Unknown student 'resnet-9000'")]
    [InlineData("{\"dataset\":\"cifar\"}", "dataset", "Unknown dataset")]
    [InlineData("{\"method\":\"dkd\"}", "method", "Unknown method")]
    [InlineData("{\"seeds\":0}", "seeds", "Seeds must be between 1 and 10")]
    [InlineData("{\"seeds\":11}", "seeds", "Seeds must be between 1 and 10")]
    [InlineData("{\"seed\":2147483647}", "seed", "run past the largest seed")]
    [InlineData("{\"alpha\":", "request", "not valid JSON")]
    public async Task Bad_input_is_a_400_naming_the_field(string body, string field, string message)
    {
        using var response = await Http.PostAsync("api/runs", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(field, answer.GetProperty("field").GetString());
        Assert.Contains(message, answer.GetProperty("error").GetString());
        // Still serving.
        using var config = await Http.GetAsync("api/config");
        Assert.Equal(HttpStatusCode.OK, config.StatusCode);
    }

    [Fact]
    public async Task ARunStreamsProgressAndEndsWithAnAccuracyThenARerunComesFromTheCache()
    {
        var request = new { session = "api-stream", alpha = 0.3, temperature = 5.0, trainSize = 600, epochs = 1, seed = 101, seeds = 1 };
        var submitted = await Submit(request);
        Assert.False(submitted.GetProperty("cached").GetBoolean());
        var events = await SseClient.ReadToEndAsync(Http, submitted.GetProperty("events").GetString()!);
        var types = events.Select(e => e.Type).ToList();
        Assert.Equal("started", types[0]);
        Assert.Equal("done", types[^1]);
        var kdProgress = events.Where(e => e.Type == "progress" && e.Data.GetProperty("phase").GetString() == "kd").ToList();
        Assert.True(kdProgress.Count >= 2, $"expected several learning-curve points, got {kdProgress.Count}");
        Assert.Contains(events, e => e.Type == "progress" && e.Data.GetProperty("phase").GetString() == "baseline");
        var kdEpoch = events.Single(e => e.Type == "epoch" && e.Data.GetProperty("phase").GetString() == "kd").Data;
        var done = events[^1].Data;
        double accuracy = done.GetProperty("accuracy").GetDouble();
        Assert.InRange(accuracy, 0.2, 1.0);
        Assert.Equal(kdEpoch.GetProperty("testAccuracy").GetDouble(), accuracy);
        Assert.InRange(done.GetProperty("baselineAccuracy").GetDouble(), 0.2, 1.0);
        Assert.Equal(16, done.GetProperty("shownLogits").GetArrayLength());
        Assert.Equal(10, done.GetProperty("shownLogits")[0].GetArrayLength());

        var clock = Stopwatch.StartNew();
        var again = await Submit(request with { });
        var replay = await SseClient.ReadToEndAsync(Http, again.GetProperty("events").GetString()!);
        clock.Stop();
        output.WriteLine($"cached rerun: answered and replayed in {clock.Elapsed.TotalMilliseconds:0} ms (first run {done.GetProperty("totalSeconds").GetDouble():0.0} s)");
        Assert.True(again.GetProperty("cached").GetBoolean());
        var replayDone = replay[^1];
        Assert.Equal("done", replayDone.Type);
        Assert.True(replayDone.Data.GetProperty("cached").GetBoolean());
        Assert.Equal(accuracy, replayDone.Data.GetProperty("accuracy").GetDouble());
        Assert.Equal(kdProgress.Count, replay.Count(e => e.Type == "progress" && e.Data.GetProperty("phase").GetString() == "kd"));

        // The grid knows the cell.
        var grid = await Http.GetFromJsonAsync<JsonElement>("api/grid?student=cnn-student&epochs=1&trainSize=600&seed=101");
        var cell = Assert.Single(grid.GetProperty("cells").EnumerateArray());
        Assert.Equal(0.3, cell.GetProperty("alpha").GetDouble());
        Assert.Equal(accuracy, cell.GetProperty("accuracy").GetDouble());
    }

    [Fact]
    public async Task ThreeSeedsGiveMeanStdAndPairedGainsAndOnlyANewSeedTrainsLater()
    {
        var request = new { session = "api-seeds", alpha = 0.5, temperature = 8.0, trainSize = 300, epochs = 1, seed = 700 };
        var events = await SseClient.ReadToEndAsync(Http, (await Submit(request)).GetProperty("events").GetString()!);
        var done = events[^1];
        Assert.Equal("done", done.Type);
        var perSeed = done.Data.GetProperty("perSeed").EnumerateArray().ToArray();
        Assert.Equal([700, 701, 702], perSeed.Select(p => p.GetProperty("seed").GetInt32()));
        Assert.Equal(3, events.Count(e => e.Type == "seed"));
        Assert.Equal(6, events.Count(e => e.Type == "student" && !e.Data.GetProperty("cached").GetBoolean()));
        double[] kd = perSeed.Select(p => p.GetProperty("accuracy").GetDouble()).ToArray();
        double[] baseline = perSeed.Select(p => p.GetProperty("baselineAccuracy").GetDouble()).ToArray();
        double[] gains = kd.Zip(baseline, (k, b) => 100 * (k - b)).ToArray();
        Assert.Equal(gains, perSeed.Select(p => p.GetProperty("gainPoints").GetDouble()));
        // Mean and sample std (n − 1) worked out here from the seeds' own accuracies.
        static double Std(double[] v) => Math.Sqrt(v.Sum(x => (x - v.Average()) * (x - v.Average())) / (v.Length - 1));
        Assert.Equal(kd.Average(), done.Data.GetProperty("accuracy").GetDouble(), 12);
        Assert.Equal(baseline.Average(), done.Data.GetProperty("baselineAccuracy").GetDouble(), 12);
        Assert.Equal(Std(kd), done.Data.GetProperty("accuracyStd").GetDouble(), 12);
        Assert.Equal(Std(baseline), done.Data.GetProperty("baselineStd").GetDouble(), 12);
        Assert.Equal(gains.Average(), done.Data.GetProperty("gainPoints").GetDouble(), 9);
        Assert.Equal(Std(gains), done.Data.GetProperty("gainStd").GetDouble(), 9);
        double half = 4.303 * Std(gains) / Math.Sqrt(3);
        Assert.Equal(gains.Average() - half, done.Data.GetProperty("gainLow").GetDouble(), 9);
        string verdict = done.Data.GetProperty("verdict").GetString()!;
        Assert.Equal(gains.Average() - half > 0 ? "gain" : gains.Average() + half < 0 ? "loss" : "noise", verdict);
        output.WriteLine($"3 smoke seeds: KD {kd.Average():P2} ± {Std(kd):P2}, no KD {baseline.Average():P2} ± {Std(baseline):P2}; {done.Data.GetProperty("verdictText").GetString()}");

        // A second visit is instant; a fourth seed trains only its own two students.
        var clock = Stopwatch.StartNew();
        var again = await Submit(request);
        Assert.True(again.GetProperty("cached").GetBoolean());
        var replay = await SseClient.ReadToEndAsync(Http, again.GetProperty("events").GetString()!);
        output.WriteLine($"cached 3-seed rerun answered and replayed in {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(done.Data.GetProperty("gainPoints").GetDouble(), replay[^1].Data.GetProperty("gainPoints").GetDouble());
        var four = await SseClient.ReadToEndAsync(Http, (await Submit(new { request.session, request.alpha, request.temperature, request.trainSize, request.epochs, request.seed, seeds = 4 })).GetProperty("events").GetString()!);
        var students = four.Where(e => e.Type == "student").Select(e => (Seed: e.Data.GetProperty("seed").GetInt32(), Cached: e.Data.GetProperty("cached").GetBoolean())).ToArray();
        Assert.Equal(8, students.Length);
        Assert.All(students, s => Assert.Equal(s.Seed != 703, s.Cached));
        Assert.Equal(4, four[^1].Data.GetProperty("perSeed").GetArrayLength());

        // The grid's cell is the mean over the seeds asked for.
        var grid = await Http.GetFromJsonAsync<JsonElement>("api/grid?epochs=1&trainSize=300&seed=700&seeds=3");
        var cell = Assert.Single(grid.GetProperty("cells").EnumerateArray());
        Assert.Equal(3, cell.GetProperty("seeds").GetArrayLength());
        Assert.Equal(kd.Average(), cell.GetProperty("accuracy").GetDouble(), 12);
    }

    [Fact]
    public async Task TheTeachersLogitsAreComputedForTheImagesRunsAskForAndEqualOnePassOverThem()
    {
        var engine = studio.Server.Scheduler.Engine;
        // The start computes (or reads) what the default run needs, lesson 02's 1,000 images, in whole batches.
        Assert.InRange(engine.LogitsCovered, engine.DefaultTrainSize, engine.MaxTrainSize);
        Assert.True(engine.LogitsCovered % StudioEngine.LogitBatch == 0 || engine.LogitsCovered == engine.MaxTrainSize, $"{engine.LogitsCovered} rows covered");
        var submitted = await Submit(new { session = "api-logits", alpha = 0.5, temperature = 8.0, trainSize = engine.MaxTrainSize, epochs = 1, seed = 801, seeds = 1 });
        Assert.Equal("done", (await SseClient.ReadToEndAsync(Http, submitted.GetProperty("events").GetString()!))[^1].Type);
        Assert.Equal(engine.MaxTrainSize, engine.LogitsCovered);
        // Grown batch by batch, they are the logits one pass over the whole set gives, bit for bit.
        var lab = engine.LabRun;
        using var onePass = KdLabs.Evaluation.Predictor.Logits(lab.Teacher, lab.Train, StudioEngine.LogitBatch);
        Assert.Equal(onePass.shape, engine.CoveredLogits.shape);
        using var same = onePass.eq(engine.CoveredLogits).all();
        Assert.True(same.item<bool>(), "the studio's teacher logits differ from one pass over the training set");
    }

    [Fact]
    public async Task ASupersededRunIsCancelledNotQueued()
    {
        var first = await Submit(new { session = "api-supersede", alpha = 0.5, temperature = 4.0, trainSize = 2000, epochs = 5, seed = 201 });
        string firstEvents = first.GetProperty("events").GetString()!;
        await SseClient.ReadAsync(Http, firstEvents, e => e.Type == "progress");
        var clock = Stopwatch.StartNew();
        var second = await Submit(new { session = "api-supersede", alpha = 0.7, temperature = 2.0, trainSize = 300, epochs = 1, seed = 202, seeds = 1 });
        var firstOutcome = (await SseClient.ReadToEndAsync(Http, firstEvents))[^1];
        output.WriteLine($"superseded run stopped {clock.Elapsed.TotalMilliseconds:0} ms after the newer submission");
        Assert.Equal("cancelled", firstOutcome.Type);
        Assert.Contains("superseded", firstOutcome.Data.GetProperty("message").GetString());
        var secondOutcome = (await SseClient.ReadToEndAsync(Http, second.GetProperty("events").GetString()!))[^1];
        Assert.Equal("done", secondOutcome.Type);
        // The cancelled run left nothing in the cache: submitting it again trains.
        var cells = (await Http.GetFromJsonAsync<JsonElement>("api/grid?trainSize=2000&epochs=5&seed=201")).GetProperty("cells");
        Assert.Equal(0, cells.GetArrayLength());
        await Http.DeleteAsync("api/sessions/api-supersede/run");
    }

    [Fact]
    public async Task TheServerSurvivesAClientThatDisconnectsMidRun()
    {
        var submitted = await Submit(new { session = "api-disconnect", alpha = 0.4, temperature = 3.0, trainSize = 800, epochs = 1, seed = 301, seeds = 1 });
        string runId = submitted.GetProperty("runId").GetString()!;
        // Read one point, then drop the connection mid-run.
        var seen = await SseClient.ReadAsync(Http, submitted.GetProperty("events").GetString()!, e => e.Type == "progress");
        Assert.Equal("progress", seen[^1].Type);
        string? outcome = null;
        for (int i = 0; i < 600 && outcome is null; i++)
        {
            var status = await Http.GetFromJsonAsync<JsonElement>($"api/runs/{runId}");
            outcome = status.GetProperty("outcome").GetString();
            if (outcome is null)
            {
                await Task.Delay(200);
            }
        }
        Assert.Equal("done", outcome);
        // A page that comes back gets the whole run.
        var replay = await SseClient.ReadToEndAsync(Http, submitted.GetProperty("events").GetString()!);
        Assert.Equal("started", replay[0].Type);
        Assert.Equal("done", replay[^1].Type);
    }

    [Fact]
    public async Task TheQueueIsBoundedAndAFullQueueIsA503()
    {
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 7; i++)
        {
            var body = JsonContent.Create(new { session = $"api-queue-{i}", alpha = 0.5, temperature = 4.0, trainSize = 2000, epochs = 10, seed = 400 + i });
            using var response = await Http.PostAsync("api/runs", body);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Assert.Contains("busy", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
            }
        }
        for (int i = 0; i < 7; i++)
        {
            await Http.DeleteAsync($"api/sessions/api-queue-{i}/run");
        }
        Assert.Contains(HttpStatusCode.ServiceUnavailable, statuses);
        Assert.True(statuses.Count(s => s == HttpStatusCode.OK) is >= 4 and <= 5, string.Join(", ", statuses));
    }

    private async Task<JsonElement> Submit(object request)
    {
        using var response = await Http.PostAsJsonAsync("api/runs", request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
