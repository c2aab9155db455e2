using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using KdLabs.Data;
using KdLabs.Infrastructure;

namespace KdLabs.Studio.Tests;

/// <summary>The real <c>kdlabs studio</c> process: prints its URL for <c>--port 0</c>, and Ctrl-C (SIGINT) mid-run stops it cleanly.</summary>
[Collection("studio")]
public sealed class StudioCliTests
{
    [Fact]
    public async Task StudioOnPort0PrintsItsUrlAndStopsCleanlyOnCtrlCMidRun()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "KdLabs.Cli.dll");
        // env resets SIGINT to its default: a suite started as a background job (`./test.sh &`) hands its children an ignored
        // SIGINT, as POSIX shells do, and the studio would then rightly not see the Ctrl-C this test sends. env execs, so the pid is the studio's.
        var psi = new ProcessStartInfo("env", ["--default-signal=INT", "dotnet", dll, "studio", "--smoke", "--port", "0", "--threads", "1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = KdLabsPaths.RepositoryRoot!,
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
            // The page answers before the teacher is ready; runs are taken once it is.
            var ready = Stopwatch.StartNew();
            while (!(await http.GetFromJsonAsync<JsonElement>("api/status")).GetProperty("ready").GetBoolean())
            {
                Assert.True(ready.Elapsed < TimeSpan.FromMinutes(5), "the studio's teacher was not ready within 5 minutes");
                await Task.Delay(250);
            }
            using var response = await http.PostAsJsonAsync("api/runs", new { session = "cli", trainSize = 2000, epochs = 10, seed = 901 });
            var run = await response.Content.ReadFromJsonAsync<JsonElement>();
            await SseClient.ReadAsync(http, run.GetProperty("events").GetString()!, e => e.Type == "progress");

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
            string results = Path.Combine(KdLabsPaths.CacheDirectory, "studio", "results");
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
        }
    }
}
