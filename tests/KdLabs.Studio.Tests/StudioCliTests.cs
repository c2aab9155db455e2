using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using KdLabs.Data;
using KdLabs.Infrastructure;

namespace KdLabs.Studio.Tests;

/// <summary>
/// The real <c>kdlabs studio</c> process on a cache of its own, so its first start is a real one: it prints its URL for
/// <c>--port 0</c> before the teacher exists, the teacher's epochs reach <c>/api/status</c>, only the teacher logits the
/// runs need are computed, and Ctrl-C (SIGINT) mid-run stops it cleanly.
/// </summary>
[Collection("studio")]
public sealed class StudioCliTests
{
    [Fact]
    public async Task StudioOnPort0PrintsItsUrlAndStopsCleanlyOnCtrlCMidRun()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "KdLabs.Cli.dll");
        // env resets SIGINT to its default: a suite started as a background job (`./test.sh &`) hands its children an ignored
        // SIGINT, as POSIX shells do, and the studio would then rightly not see the Ctrl-C this test sends. env execs, so the pid is the studio's.
        // A cache of its own: the smoke teacher (one epoch on 2,000 images, seconds) is trained as on a fresh machine.
        string cache = Path.Combine(Path.GetTempPath(), "kdlabs-studio-cli-cache-" + Guid.NewGuid().ToString("N")[..8]);
        var psi = new ProcessStartInfo("env", ["--default-signal=INT", "dotnet", dll, "studio", "--smoke", "--port", "0", "--threads", "1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = KdLabsPaths.RepositoryRoot!,
            Environment = { ["KDLABS_CACHE"] = cache },
        };
        using var process = Process.Start(psi)!;
        var lines = new List<string>();
        var url = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (lines)
            {
                lines.Add(e.Data);
            }
            if (Regex.Match(e.Data, @"studio: open (http://127\.0\.0\.1:\d+/)") is { Success: true } m)
            {
                url.TrySetResult(new Uri(m.Groups[1].Value));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (lines)
                {
                    lines.Add(e.Data);
                }
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var address = await url.Task.WaitAsync(TimeSpan.FromMinutes(5));
            Assert.NotEqual(0, address.Port);
            using var http = new HttpClient { BaseAddress = address };
            http.DefaultRequestHeaders.Add("Origin", address.GetLeftPart(UriPartial.Authority));
            // The page answers before the teacher is ready, the teacher's epochs show, and runs are taken once it is.
            var ready = Stopwatch.StartNew();
            var states = new List<string>();
            while (true)
            {
                var status = await http.GetFromJsonAsync<JsonElement>("api/status");
                string state = status.GetProperty("state").GetString()!;
                if (state == "training-teacher" && status.GetProperty("epoch").ValueKind == JsonValueKind.Number)
                {
                    state += $" epoch {status.GetProperty("epoch").GetInt32()} of {status.GetProperty("epochs").GetInt32()}";
                }
                if (states.Count == 0 || states[^1] != state)
                {
                    states.Add(state);
                }
                if (status.GetProperty("ready").GetBoolean())
                {
                    break;
                }
                Assert.True(ready.Elapsed < TimeSpan.FromMinutes(5), "the studio's teacher was not ready within 5 minutes: " + string.Join(" → ", states));
                await Task.Delay(100);
            }
            Assert.Contains("training-teacher epoch 1 of 1", states);
            // The start computed the teacher's logits for lesson 02's 1,000 images, not for all 2,000.
            Assert.Equal(1000, SavedLogitRows(cache));
            using var response = await http.PostAsJsonAsync("api/runs", new { session = "cli", trainSize = 2000, epochs = 10, seed = 901 });
            var run = await response.Content.ReadFromJsonAsync<JsonElement>();
            await SseClient.ReadAsync(http, run.GetProperty("events").GetString()!, e => e.Type == "progress");
            // A run on 2,000 images grew them to 2,000 before it trained.
            Assert.Equal(2000, SavedLogitRows(cache));

            using (Process.Start("kill", ["-INT", process.Id.ToString()]))
            {
            }
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                // Keep what the studio printed: a stop that hangs is diagnosed from its last lines, not rerun blind.
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
                lock (lines)
                {
                    Assert.Fail($"the studio did not stop within 60 s of SIGINT; its output:\n{string.Join("\n", lines.TakeLast(60))}");
                }
            }
            process.WaitForExit();
            string output;
            lock (lines)
            {
                output = string.Join("\n", lines);
            }
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}:\n{output}");
            Assert.Contains("studio: stopped.", output);
            Assert.DoesNotContain("Unhandled exception", output);
            // The caches are intact: every result file parses, no temporary file is left behind.
            string results = Path.Combine(cache, "studio", "results");
            if (Directory.Exists(results))
            {
                Assert.Empty(Directory.GetFiles(results, "*.tmp"));
                foreach (var file in Directory.GetFiles(results, "*.json"))
                {
                    Assert.NotNull(JsonSerializer.Deserialize<StudentResult>(File.ReadAllText(file), new JsonSerializerOptions(JsonSerializerDefaults.Web)));
                }
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
            if (Directory.Exists(cache))
            {
                Directory.Delete(cache, recursive: true);
            }
        }
    }

    // The row count in the header of the studio's saved teacher logits (one file: one teacher, one training set).
    private static int SavedLogitRows(string cache)
    {
        string file = Assert.Single(Directory.GetFiles(Path.Combine(cache, "studio", "teacher-logits"), "*.bin"));
        using var reader = new BinaryReader(File.OpenRead(file));
        return reader.ReadInt32();
    }
}
