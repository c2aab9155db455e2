using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using KdLabs.Infrastructure;
using KdLabs.Studio.Tests;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace KdLabs.Kernel.Tests;

/// <summary>
/// Classic Notebook 6 (Debian's python3-notebook) in headless Chromium, driven by Playwright as a learner would: it
/// opens a lesson (smoke parameters prepared by papermill), runs all cells from the Cell menu on the kit's kernel,
/// and the page shows drawn charts and no error output, with no request leaving the machine.
/// </summary>
public sealed class NotebookBrowserTests(BrowserFixture browser, ITestOutputHelper output) : IClassFixture<BrowserFixture>, IDisposable
{
    private readonly System.Text.StringBuilder _serverLog = new();
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "kdlabs-notebook-browser", Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task NotebookRunsALessonOnTheKitsKernelAndDrawsItsCharts()
    {
        var root = KdLabsPaths.RepositoryRoot ?? throw new InvalidOperationException("the tests run inside a checkout");
        var lessons = Directory.GetFiles(Path.Combine(root, "notebooks"), "*.ipynb").Order(StringComparer.Ordinal).ToList();
        var lesson = lessons.FirstOrDefault(l => Path.GetFileName(l).StartsWith("01-", StringComparison.Ordinal)) ?? lessons[0];
        var name = Path.GetFileName(lesson);
        Directory.CreateDirectory(_folder);
        await PrepareAsync(lesson, Path.Combine(_folder, name));

        var port = FreePort();
        var token = Guid.NewGuid().ToString("N");
        using var server = StartNotebook(port, token);
        try
        {
            await WaitForServerAsync(port, token, server);
            await using var context = await browser.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
            var page = await context.NewPageAsync();
            var offsite = new List<string>();
            await page.RouteAsync("**/*", async route =>
            {
                if (new Uri(route.Request.Url).Host is "127.0.0.1" or "localhost" || route.Request.Url.StartsWith("data:", StringComparison.Ordinal))
                {
                    await route.ContinueAsync();
                }
                else
                {
                    offsite.Add(route.Request.Url);
                    await route.AbortAsync();
                }
            });

            var clock = Stopwatch.StartNew();
            await page.GotoAsync($"http://127.0.0.1:{port}/notebooks/{name}?token={token}");
            await page.WaitForFunctionAsync("() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel && Jupyter.notebook.kernel.is_connected()",
                null, new PageWaitForFunctionOptions { Timeout = 120_000 });
            Assert.Equal(KernelSpec.Name, await page.EvaluateAsync<string>("Jupyter.notebook.kernel.name"));
            await page.ClickAsync("#celllink");
            await page.ClickAsync("#run_all_cells");
            await page.WaitForFunctionAsync(
                "() => document.querySelectorAll('.output_error').length > 0 || Jupyter.notebook.get_cells().filter(c => c.cell_type === 'code')" +
                ".every(c => typeof c.input_prompt_number === 'number')",
                null, new PageWaitForFunctionOptions { Timeout = 600_000, PollingInterval = 500 });
            var errors = await page.EvaluateAsync<string[]>("Array.from(document.querySelectorAll('.output_error')).map(e => e.innerText.slice(0, 600))");
            Assert.True(errors.Length == 0, "error output in the Notebook page:\n" + string.Join("\n---\n", errors) + "\nserver log:\n" + ServerLog());

            // Charts drawn by plotly.js in the page (an svg inside each plot div), not just their HTML present.
            await page.WaitForFunctionAsync("() => document.querySelectorAll('.js-plotly-plot .main-svg').length > 0", null, new PageWaitForFunctionOptions { Timeout = 30_000 });
            var charts = await page.EvaluateAsync<int>("document.querySelectorAll('.js-plotly-plot').length");
            var cells = await page.EvaluateAsync<int>("Jupyter.notebook.get_cells().filter(c => c.cell_type === 'code').length");
            output.WriteLine($"{name}: Notebook ran {cells} code cells on {KernelSpec.Name} in {clock.Elapsed.TotalSeconds:0} s, {charts} charts drawn, 0 errors");
            Assert.Empty(offsite);

            var shot = Environment.GetEnvironmentVariable("KDLABS_UPDATE_SCREENSHOTS") == "1"
                ? Path.Combine(root, "docs", "images", "notebook-kernel.png")
                : Path.Combine(_folder, "notebook.png");
            await page.Locator(".js-plotly-plot").First.ScrollIntoViewIfNeededAsync();
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = shot });
            Assert.True(new FileInfo(shot).Length > 10_000, $"{shot}: the screenshot is nearly empty");
        }
        finally
        {
            // The server, its kernel and the kernel's worker: all of this test's processes end with it.
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    /// <summary>
    /// papermill --prepare-only: the lesson with smoke parameters injected; then its kernelspec set to the kit's kernel
    /// (what a learner's "Change kernel" saves), so Notebook starts C# (KdLabs) for it.
    /// </summary>
    private static async Task PrepareAsync(string lesson, string prepared)
    {
        var papermill = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(d => Path.Combine(d, "papermill")).FirstOrDefault(File.Exists);
        Assert.True(papermill is not null, "papermill not found. " + TestKernel.SetupHint);
        var psi = new ProcessStartInfo(papermill!, [lesson, prepared, "--prepare-only", "-k", KernelSpec.Name, "-l", ".net-csharp", "-p", "smoke", "True"]);
        TestKernel.Configure(psi.Environment);
        var (exitCode, log, _) = await Notebooks.Tests.ChildProcess.RunAsync(psi, TimeSpan.FromMinutes(2));
        Assert.True(exitCode == 0, "papermill --prepare-only failed:\n" + log);
        var notebook = System.Text.Json.Nodes.JsonNode.Parse(await File.ReadAllTextAsync(prepared))!;
        notebook["metadata"]!["kernelspec"] = new System.Text.Json.Nodes.JsonObject { ["name"] = KernelSpec.Name, ["display_name"] = KernelSpec.DisplayName, ["language"] = "C#" };
        await File.WriteAllTextAsync(prepared, notebook.ToJsonString());
    }

    private Process StartNotebook(int port, string token)
    {
        var notebook = File.Exists("/usr/bin/jupyter-notebook") ? "/usr/bin/jupyter-notebook" : "jupyter-notebook";
        var psi = new ProcessStartInfo(notebook,
        [
            "--no-browser", "--ip=127.0.0.1", $"--port={port}", "--port-retries=0", $"--NotebookApp.token={token}",
            $"--notebook-dir={_folder}", "--NotebookApp.open_browser=False",
            // Containers and CI often run as root, which Notebook refuses without this; it changes nothing otherwise.
            "--allow-root",
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _folder,
        };
        TestKernel.Configure(psi.Environment);
        // Its own config and runtime folders: nothing of the user's Jupyter setup, nothing left behind.
        psi.Environment["JUPYTER_CONFIG_DIR"] = Path.Combine(_folder, ".jupyter-config");
        psi.Environment["JUPYTER_RUNTIME_DIR"] = Path.Combine(_folder, ".jupyter-runtime");
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start jupyter-notebook");
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Remember(string? line)
    {
        if (line is not null)
        {
            lock (_serverLog)
            {
                _serverLog.AppendLine(line);
            }
        }
    }

    private string ServerLog()
    {
        lock (_serverLog)
        {
            return _serverLog.ToString();
        }
    }

    private async Task WaitForServerAsync(int port, string token, Process server)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(server.HasExited, $"jupyter-notebook exited with {(server.HasExited ? server.ExitCode : 0)}. {TestKernel.SetupHint}\n{ServerLog()}");
            try
            {
                var response = await http.GetAsync($"http://127.0.0.1:{port}/api/kernelspecs?token={token}");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var body = await response.Content.ReadAsStringAsync();
                    Assert.Contains(KernelSpec.Name, body, StringComparison.Ordinal);
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(500);
        }

        Assert.Fail("jupyter-notebook did not answer within 90 s:\n" + ServerLog());
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
