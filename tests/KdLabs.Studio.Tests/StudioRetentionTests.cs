using System.Net.Http.Json;
using System.Text.Json;
using Xunit.Abstractions;

namespace KdLabs.Studio.Tests;

/// <summary>What the studio keeps between runs stays bounded: one training subset, and session entries only for live runs.</summary>
[Collection("studio")]
public sealed class StudioRetentionTests(StudioFixture studio, ITestOutputHelper output)
{
    private HttpClient Http => studio.Http;

    [Fact]
    public async Task RunsAtSeveralTrainingSetSizesLeaveAtMostOneSubsetHeld()
    {
        foreach (int size in new[] { 300, 400, 500 })
        {
            var submitted = await Submit(new { session = "retention-sizes", alpha = 0.5, temperature = 4.0, trainSize = size, epochs = 1, seed = 501, seeds = 1 });
            var done = (await SseClient.ReadToEndAsync(Http, submitted.GetProperty("events").GetString()!))[^1];
            Assert.Equal("done", done.Type);
            // Printed so a run of the old code can be compared: the subsets' data, and so the accuracies, are unchanged.
            output.WriteLine($"trainSize {size}: accuracy {done.Data.GetProperty("accuracy").GetDouble():R}, baseline {done.Data.GetProperty("baselineAccuracy").GetDouble():R}");
        }
        Assert.InRange(studio.Server.Scheduler.Engine.HeldSubsets, 0, 1);
    }

    [Fact]
    public async Task FinishedAndReplayedRunsLeaveNoSessionBehindAndStayReadableById()
    {
        var request = new { session = "retention-live", alpha = 0.25, temperature = 3.0, trainSize = 200, epochs = 1, seed = 601, seeds = 1 };
        var first = await Submit(request);
        Assert.False(first.GetProperty("cached").GetBoolean());
        Assert.Equal("done", (await SseClient.ReadToEndAsync(Http, first.GetProperty("events").GetString()!))[^1].Type);
        Assert.DoesNotContain("retention-live", studio.Server.Scheduler.TrackedSessions);

        // Instant cached replays bypass the queue: made-up session ids must not pile up either.
        var replays = new List<JsonElement>();
        for (int i = 0; i < 20; i++)
        {
            var again = await Submit(request with { session = $"retention-replay-{i}" });
            Assert.True(again.GetProperty("cached").GetBoolean());
            replays.Add(again);
        }
        var tracked = studio.Server.Scheduler.TrackedSessions;
        Assert.DoesNotContain(tracked, s => s.StartsWith("retention-", StringComparison.Ordinal));

        // A page polling its own run still gets the result, and its stream replays to the end.
        foreach (var run in new[] { first, replays[^1] })
        {
            var status = await Http.GetFromJsonAsync<JsonElement>($"api/runs/{run.GetProperty("runId").GetString()}");
            Assert.True(status.GetProperty("finished").GetBoolean());
            Assert.Equal("done", status.GetProperty("outcome").GetString());
            Assert.Equal("done", (await SseClient.ReadToEndAsync(Http, run.GetProperty("events").GetString()!))[^1].Type);
        }
        // Nothing is live for the session, so there is nothing to cancel.
        using var cancel = await Http.DeleteAsync("api/sessions/retention-live/run");
        Assert.False((await cancel.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("cancelled").GetBoolean());
    }

    private async Task<JsonElement> Submit(object request)
    {
        using var response = await Http.PostAsJsonAsync("api/runs", request);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
