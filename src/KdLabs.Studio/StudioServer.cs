using System.Net;
using System.Reflection;
using System.Text.Json;
using KdLabs.Infrastructure;
using KdLabs.Plots;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KdLabs.Studio;

/// <summary>
/// The studio's web server: the page, plotly.js (served from the copy embedded in Plotly.NET, never fetched), and a
/// small JSON + server-sent-events API over a <see cref="RunScheduler"/>. Listens on 127.0.0.1 only.
/// </summary>
public sealed class StudioServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private StudioServer(WebApplication app, RunScheduler scheduler, Uri url)
    {
        this.app = app;
        Scheduler = scheduler;
        Url = url;
    }

    /// <summary>The page's address, e.g. http://127.0.0.1:5117/.</summary>
    public Uri Url { get; }

    /// <summary>The run scheduler behind the API.</summary>
    public RunScheduler Scheduler { get; }

    /// <summary>Starts listening on 127.0.0.1:<see cref="StudioOptions.Port"/> (0: a free port) over a started engine.</summary>
    public static async Task<StudioServer> StartAsync(StudioEngine engine, Action<string> log, CancellationToken cancel = default)
    {
        var store = new ResultStore(engine.Options.ResultsDirectory ?? Path.Combine(Infrastructure.KdLabsPaths.CacheDirectory, "studio", "results"));
        store.LoadSaved(log);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, engine.Options.Port));
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var app = builder.Build();
        var scheduler = new RunScheduler(engine, store, log);
        Map(app, scheduler);
        try
        {
            await app.StartAsync(cancel);
        }
        catch
        {
            scheduler.Dispose();
            await app.DisposeAsync();
            throw;
        }
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var url = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        return new StudioServer(app, scheduler, url);
    }

    /// <summary>Waits until the host stops (Ctrl-C, SIGTERM) or <paramref name="cancel"/> fires.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancel = default) => app.WaitForShutdownAsync(cancel);

    /// <summary>Stops serving, cancels the running student and waits for the worker; caches stay as they are.</summary>
    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        Scheduler.Dispose();
        await app.DisposeAsync();
    }

    private static void Map(WebApplication app, RunScheduler scheduler)
    {
        var engine = scheduler.Engine;
        var stopping = app.Lifetime.ApplicationStopping;
        app.Use(async (ctx, next) =>
        {
            // Everything the page needs comes from this server: the browser is told so, too.
            ctx.Response.Headers["Content-Security-Policy"] = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:";
            ctx.Response.Headers["X-Content-Type-Options"] = "nosniff";
            await next(ctx);
        });
        app.MapGet("/", () => Asset("index.html", "text/html; charset=utf-8"));
        app.MapGet("/studio.js", () => Asset("studio.js", "text/javascript; charset=utf-8"));
        app.MapGet("/studio.css", () => Asset("studio.css", "text/css; charset=utf-8"));
        app.MapGet("/plotly.min.js", () => Results.Text(PlotlyHtml.LibraryJavaScript(), "text/javascript; charset=utf-8"));
        app.MapGet("/api/config", () => Results.Json(new
        {
            students = engine.Students,
            datasets = new[] { new { id = "mnist", name = "MNIST" } },
            methods = new[] { new { id = "hinton", name = "Hinton KD (α·CE + (1−α)·T²·KL)" } },
            defaults = new { alpha = engine.Lab.Distillation.Alpha, temperature = engine.Lab.Distillation.Temperature, student = engine.Students[0], epochs = 1, trainSize = Math.Min(10_000, engine.MaxTrainSize), seed = engine.Lab.Lab.FirstSeed },
            limits = new { maxTrainSize = engine.MaxTrainSize, maxEpochs = engine.Options.MaxEpochs, testSize = engine.TestSize },
            teacher = new { model = engine.Lab.ModelNames().Teacher, id = engine.TeacherId, accuracy = engine.TeacherAccuracy },
            shown = new { labels = engine.ShownLabels, pixels = engine.ShownPixels, teacherLogits = engine.ShownTeacherLogits },
        }, StudioEvent.Json));
        app.MapPost("/api/runs", async (HttpContext ctx) =>
        {
            RunRequest? request;
            JsonDocument body;
            try
            {
                body = await JsonDocument.ParseAsync(ctx.Request.Body, cancellationToken: ctx.RequestAborted);
            }
            catch (JsonException e)
            {
                return Results.Json(new { error = $"The request is not valid JSON for a run: {e.Message}", field = "request" }, StudioEvent.Json, statusCode: 400);
            }
            try
            {
                using (body)
                {
                    request = body.RootElement.Deserialize<RunRequest>(StudioEvent.Json);
                }
            }
            catch (JsonException e)
            {
                string field = e.Path is { Length: > 2 } path ? path.TrimStart('$', '.') : "request";
                string message = field == "request"
                    ? $"The request is not valid JSON for a run: {e.Message}"
                    : $"'{field}' has a value the studio cannot read: give a number for alpha, temperature, epochs, trainSize and seed, and text for the rest.";
                return Results.Json(new { error = message, field }, StudioEvent.Json, statusCode: 400);
            }
            try
            {
                var settings = RunValidation.Validate(request ?? new RunRequest(), engine.Lab, engine.Students, engine.MaxTrainSize, engine.Options.MaxEpochs);
                var run = scheduler.Submit(settings);
                return Results.Json(new { runId = run.Id, key = run.Key, cached = run.IsFinished, events = $"/api/runs/{run.Id}/events" }, StudioEvent.Json);
            }
            catch (StudioValidationException e)
            {
                return Results.Json(new { error = e.Message, field = e.Field }, StudioEvent.Json, statusCode: 400);
            }
            catch (StudioBusyException e)
            {
                return Results.Json(new { error = e.Message, field = "request" }, StudioEvent.Json, statusCode: 503);
            }
        });
        app.MapGet("/api/runs/{id}", (string id) => scheduler.Find(id) is { } run
            ? Results.Json(new { runId = run.Id, key = run.Key, finished = run.IsFinished, outcome = run.Outcome?.Type }, StudioEvent.Json)
            : Results.Json(new { error = $"No run '{id}' (runs are kept until the studio restarts)." }, StudioEvent.Json, statusCode: 404));
        app.MapGet("/api/runs/{id}/events", async (HttpContext ctx, string id) =>
        {
            if (scheduler.Find(id) is not { } run)
            {
                ctx.Response.StatusCode = 404;
                await ctx.Response.WriteAsJsonAsync(new { error = $"No run '{id}'." }, StudioEvent.Json);
                return;
            }
            await Stream(ctx, run, stopping);
        });
        app.MapDelete("/api/sessions/{session}/run", (string session) => Results.Json(new { cancelled = scheduler.CancelSession(session) }, StudioEvent.Json));
        app.MapGet("/api/grid", (string? student, int? epochs, int? trainSize, int? seed) =>
        {
            var all = scheduler.Results.All;
            var cells = all.Where(r => r.Method == "hinton"
                    && (student is null || r.Student == student) && (epochs is null || r.Epochs == epochs)
                    && (trainSize is null || r.TrainSize == trainSize) && (seed is null || r.Seed == seed))
                .Select(r =>
                {
                    var baseline = scheduler.Results.Get(engine.KeyOf(new RunSettings("", r.Alpha, r.Temperature, r.Student, r.Epochs, r.TrainSize, r.Seed, "mnist", r.Method).Baseline()));
                    return new { r.Alpha, r.Temperature, r.Student, r.Epochs, r.TrainSize, r.Seed, accuracy = r.TestAccuracy, baselineAccuracy = baseline?.TestAccuracy };
                })
                .ToArray();
            return Results.Json(new { cells }, StudioEvent.Json);
        });
    }

    private static async Task Stream(HttpContext ctx, StudioRun run, CancellationToken stopping)
    {
        ctx.Response.Headers.ContentType = "text/event-stream; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-cache";
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, stopping);
        var token = linked.Token;
        int next = 0;
        try
        {
            await ctx.Response.WriteAsync(": connected\n\n", token);
            await ctx.Response.Body.FlushAsync(token);
            while (!token.IsCancellationRequested)
            {
                var (events, finished, changed) = run.ReadFrom(next);
                foreach (var e in events)
                {
                    await ctx.Response.WriteAsync(e.ToFrame(), token);
                }
                next += events.Count;
                await ctx.Response.Body.FlushAsync(token);
                if (finished)
                {
                    break;
                }
                if (events.Count == 0 && await Task.WhenAny(changed, Task.Delay(TimeSpan.FromSeconds(15), token)) != changed)
                {
                    await ctx.Response.WriteAsync(": keep-alive\n\n", token);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The page went away (or the server is stopping): the run goes on and its result is cached.
        }
    }

    private static IResult Asset(string name, string contentType)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("wwwroot/" + name)
            ?? throw new InvalidOperationException($"The studio's {name} is missing from the assembly.");
        using var reader = new StreamReader(stream);
        return Results.Text(reader.ReadToEnd(), contentType);
    }
}
