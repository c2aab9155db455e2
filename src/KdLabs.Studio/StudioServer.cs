using System.Net;
using System.Reflection;
using System.Text.Json;
using KdLabs.Infrastructure;
using KdLabs.Plots;
using KdLabs.Training;
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
/// small JSON + server-sent-events API over a <see cref="RunScheduler"/>. Listens on 127.0.0.1 only, and answers only
/// its own page: a request whose <c>Host</c> is not the loopback address and port it serves (a DNS-rebinding page) is
/// refused, and so is a state-changing request whose <c>Origin</c> is another site's (or missing); the API takes only
/// <c>application/json</c> bodies of at most <see cref="MaxBodyBytes"/>. Every refusal is a JSON body naming the field.
/// </summary>
public sealed class StudioServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly StudioStartup startup;
    private readonly ResultStore store;
    private volatile RunScheduler? scheduler;

    private StudioServer(WebApplication app, StudioStartup startup, ResultStore store)
    {
        this.app = app;
        this.startup = startup;
        this.store = store;
    }

    /// <summary>Largest request body the API reads: a run request is a few hundred bytes.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    /// <summary>The page's address, e.g. http://127.0.0.1:5117/.</summary>
    public Uri Url { get; private set; } = null!;

    /// <summary>The run scheduler behind the API, once the teacher is ready.</summary>
    public RunScheduler Scheduler => scheduler ?? throw new InvalidOperationException($"The studio is not ready: {startup.Status.NotReadyMessage()}");

    /// <summary>Where the start stands: loading data, training the teacher (epoch, accuracy, time left), ready, or failed.</summary>
    public StudioStatus Status => startup.Status;

    /// <summary>Completes with the engine when the teacher is ready, or with null when the start failed or was stopped.</summary>
    public Task<StudioEngine?> Ready => startup.Finished;

    /// <summary>
    /// Serves the page at once on 127.0.0.1:<see cref="StudioOptions.Port"/> (0: a free port) and starts the engine in the
    /// background: MNIST, the cached teacher (trained on first use, its progress on the page and in
    /// <paramref name="teacherProgress"/>) and its logits. Runs are taken from <see cref="Ready"/> on; before, the API
    /// answers 503 saying where the teacher stands.
    /// </summary>
    public static Task<StudioServer> StartAsync(StudioOptions options, Action<string> log, ITrainingProgress? teacherProgress = null, CancellationToken cancel = default) =>
        StartAsync(options, log, teacherProgress ?? TrainingProgress.Silent, c => StudioEngine.Start(c.Options, c.TeacherProgress, c.Log, c.Phase), cancel);

    /// <summary>Serves an engine that is already started (the caller disposes it after the server).</summary>
    public static Task<StudioServer> StartAsync(StudioEngine engine, Action<string> log, CancellationToken cancel = default) =>
        StartAsync(engine.Options, log, null, engine, cancel);

    /// <summary>With the start function given: tests slow it down, gate it or make it fail.</summary>
    internal static Task<StudioServer> StartAsync(StudioOptions options, Action<string> log, ITrainingProgress teacherProgress, Func<StudioStartContext, StudioEngine> start, CancellationToken cancel = default) =>
        StartAsync(options, log, (teacherProgress, start), null, cancel);

    private static async Task<StudioServer> StartAsync(StudioOptions options, Action<string> log, (ITrainingProgress Progress, Func<StudioStartContext, StudioEngine> Start)? fresh, StudioEngine? started, CancellationToken cancel)
    {
        options.Validate();
        var store = new ResultStore(options.ResultsDirectory ?? Path.Combine(Infrastructure.KdLabsPaths.CacheDirectory, "studio", "results"));
        store.LoadSaved(log);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, options.Port);
            k.Limits.MaxRequestBodySize = MaxBodyBytes;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        var app = builder.Build();
        StudioServer? server = null;
        void Ready(StudioEngine engine) => server!.scheduler = new RunScheduler(engine, store, log);
        var startup = started is not null ? StudioStartup.Over(started, log, Ready) : new StudioStartup(options, fresh!.Value.Progress, log, fresh.Value.Start, Ready);
        server = new StudioServer(app, startup, store);
        var served = new ServedAddress();
        Map(app, server, served);
        try
        {
            await app.StartAsync(cancel);
        }
        catch (Exception e)
        {
            await app.DisposeAsync();
            startup.Stop();
            startup.Dispose();
            if (e is IOException { InnerException: Microsoft.AspNetCore.Connections.AddressInUseException })
            {
                throw PortInUse(options.Port, e);
            }
            throw;
        }
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var url = new Uri(address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        served.Port = url.Port;
        server.Url = url;
        startup.Begin();
        return server;
    }

    /// <summary>
    /// Refuses (as the user's error, naming the port and the fix) a <paramref name="port"/> another program already
    /// listens on, before the teacher is loaded: otherwise the user would wait for it only to be told at the end.
    /// </summary>
    public static void RefuseUsedPort(int port)
    {
        if (port == 0)
        {
            return;
        }
        var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, port);
        try
        {
            probe.Start();
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode is System.Net.Sockets.SocketError.AddressAlreadyInUse or System.Net.Sockets.SocketError.AccessDenied)
        {
            throw PortInUse(port, e);
        }
        finally
        {
            probe.Stop();
        }
    }

    private static UserErrorException PortInUse(int port, Exception e) => new(e is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AccessDenied }
        ? $"Port {port} on 127.0.0.1 may not be opened by this user. Choose another with --port (0: a free port)."
        : $"Port {port} on 127.0.0.1 is already in use (another studio, or another program). Stop it, or choose another with --port (0: a free port).", e);

    /// <summary>Waits until the host stops (Ctrl-C, SIGTERM) or <paramref name="cancel"/> fires.</summary>
    public Task WaitForShutdownAsync(CancellationToken cancel = default) => app.WaitForShutdownAsync(cancel);

    /// <summary>Stops serving, stops a teacher still training (between batches), cancels the running student and waits for the worker; caches stay as they are.</summary>
    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        // The start first (a teacher still training stops between batches), then the worker, then the engine they both use.
        bool stopped = startup.Stop();
        scheduler?.Dispose();
        if (stopped)
        {
            startup.Dispose();
        }
        await app.DisposeAsync();
    }

    // Before the teacher is ready, what needs the engine is a 503 saying where the teacher stands (never a hang or a 500);
    // the page asks /api/status meanwhile and shows it.
    private IResult NotReady()
    {
        var status = startup.Status;
        return Results.Json(new { error = status.NotReadyMessage(), field = "teacher", status = StatusBody(status) }, StudioEvent.Json, statusCode: 503);
    }

    private static object StatusBody(StudioStatus s) => new
    {
        state = s.State, ready = s.Ready, message = s.Message, epoch = s.Epoch, epochs = s.Epochs, step = s.Step, steps = s.Steps,
        trainAccuracy = s.TrainAccuracy, testAccuracy = s.TestAccuracy, secondsLeft = s.SecondsLeft, error = s.Error,
        notReady = s.Ready ? null : s.NotReadyMessage(),
    };

    private static void Map(WebApplication app, StudioServer server, ServedAddress served)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        // A 4xx the framework answers with no body (a query value that does not bind, a method not allowed) gets one.
        app.UseStatusCodePages(async context =>
        {
            var response = context.HttpContext.Response;
            if (response.StatusCode is >= 400 and < 500)
            {
                await response.WriteAsJsonAsync(new { error = $"The studio cannot answer this request ({response.StatusCode}): check its path, method and query values.", field = "request" }, StudioEvent.Json);
            }
        });
        app.Use(async (ctx, next) =>
        {
            // Everything the page needs comes from this server: the browser is told so, too.
            ctx.Response.Headers["Content-Security-Policy"] = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:";
            ctx.Response.Headers["X-Content-Type-Options"] = "nosniff";
            if (Refusal(ctx.Request, served) is { } refusal)
            {
                ctx.Response.StatusCode = refusal.Status;
                await ctx.Response.WriteAsJsonAsync(new { error = refusal.Error, field = refusal.Field }, StudioEvent.Json);
                return;
            }
            await next(ctx);
        });
        app.MapGet("/", () => Asset("index.html", "text/html; charset=utf-8"));
        app.MapGet("/studio.js", () => Asset("studio.js", "text/javascript; charset=utf-8"));
        app.MapGet("/studio.css", () => Asset("studio.css", "text/css; charset=utf-8"));
        app.MapGet("/plotly.min.js", () => Results.Text(PlotlyHtml.LibraryJavaScript(), "text/javascript; charset=utf-8"));
        app.MapGet("/api/status", (HttpContext ctx) =>
        {
            ctx.Response.Headers.CacheControl = "no-store";
            return Results.Json(StatusBody(server.startup.Status), StudioEvent.Json);
        });
        app.MapGet("/api/config", () => server.scheduler is not { Engine: var engine } ? server.NotReady() : Results.Json(new
        {
            students = engine.Students,
            datasets = new[] { new { id = "mnist", name = "MNIST" } },
            methods = new[] { new { id = "hinton", name = "Hinton KD (α·CE + (1−α)·T²·KL)" } },
            // Lesson 02's regime, read from its options record: α, T, the 1,000-image transfer set, 10 epochs; three seeds.
            defaults = new { alpha = engine.Lab.Kd.Alpha, temperature = engine.Lab.Kd.Temperature, student = engine.Students[0], epochs = engine.Lab.Training.Epochs, trainSize = engine.DefaultTrainSize, seed = engine.Lab.Lab.FirstSeed, seeds = RunValidation.DefaultSeeds },
            limits = new { maxTrainSize = engine.MaxTrainSize, maxEpochs = engine.Options.MaxEpochs, testSize = engine.TestSize, maxSeeds = RunValidation.MaxSeeds },
            teacher = new { model = engine.Lab.ModelNames().Teacher, id = engine.TeacherId, accuracy = engine.TeacherAccuracy },
            shown = new { labels = engine.ShownLabels, pixels = engine.ShownPixels, teacherLogits = engine.ShownTeacherLogits },
        }, StudioEvent.Json));
        app.MapPost("/api/runs", async (HttpContext ctx) =>
        {
            if (server.scheduler is not { Engine: var engine } scheduler)
            {
                return server.NotReady();
            }
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
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                return Results.Json(new { error = $"The request body is larger than {MaxBodyBytes:N0} bytes; a run request is a small JSON object.", field = "request" }, StudioEvent.Json, statusCode: 413);
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
                    : $"'{field}' has a value the studio cannot read: give a number for alpha, temperature, epochs, trainSize, seed and seeds, and text for the rest.";
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
        app.MapGet("/api/runs/{id}", (string id) => server.scheduler?.Find(id) is { } run
            ? Results.Json(new { runId = run.Id, key = run.Key, finished = run.IsFinished, outcome = run.Outcome?.Type }, StudioEvent.Json)
            : Results.Json(new { error = $"No run '{id}' (runs are kept until the studio restarts).", field = "id" }, StudioEvent.Json, statusCode: 404));
        app.MapGet("/api/runs/{id}/events", async (HttpContext ctx, string id) =>
        {
            if (server.scheduler?.Find(id) is not { } run)
            {
                ctx.Response.StatusCode = 404;
                await ctx.Response.WriteAsJsonAsync(new { error = $"No run '{id}'.", field = "id" }, StudioEvent.Json);
                return;
            }
            await Stream(ctx, run, stopping);
        });
        app.MapDelete("/api/sessions/{session}/run", (string session) => Results.Json(new { cancelled = server.scheduler?.CancelSession(session) ?? false }, StudioEvent.Json));
        app.MapFallback((HttpContext ctx) => Results.Json(new { error = $"No such page or API: {ctx.Request.Method} {ctx.Request.Path}.", field = "path" }, StudioEvent.Json, statusCode: 404));
        app.MapGet("/api/grid", (string? student, string? epochs, string? trainSize, string? seed, string? seeds) =>
        {
            // The query's numbers are read here, so a value that is not one is a 400 naming its field.
            if (QueryNumber(nameof(epochs), epochs) is { } badEpochs)
            {
                return badEpochs;
            }
            if (QueryNumber(nameof(trainSize), trainSize) is { } badSize)
            {
                return badSize;
            }
            if (QueryNumber(nameof(seed), seed) is { } badSeed)
            {
                return badSeed;
            }
            if (QueryNumber(nameof(seeds), seeds) is { } badSeeds)
            {
                return badSeeds;
            }
            if (server.scheduler is not { } scheduler)
            {
                return server.NotReady();
            }
            return Grid(scheduler, scheduler.Engine, student, Parse(epochs), Parse(trainSize), Parse(seed), Parse(seeds));
        });
    }

    private static int? Parse(string? text) => text is null ? null : int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    private static IResult? QueryNumber(string field, string? text) =>
        text is null || int.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _)
            ? null
            : Results.Json(new { error = $"'{field}' must be a whole number, not '{text}'.", field }, StudioEvent.Json, statusCode: 400);

    // One cell per (α, T) at the budget asked: the mean over the seeds (from seed, count seeds; one seed when not asked)
    // that have both students, with the mean paired gain and its spread, so the grid reads as the accuracy view does.
    private static IResult Grid(RunScheduler scheduler, StudioEngine engine, string? student, int? epochs, int? trainSize, int? seed, int? seeds)
    {
        var all = scheduler.Results.All;
        var cells = all.Where(r => r.Method == "hinton"
                && (student is null || r.Student == student) && (epochs is null || r.Epochs == epochs)
                && (trainSize is null || r.TrainSize == trainSize)
                && (seed is null || (r.Seed >= seed && (long)r.Seed < (long)seed + Math.Max(1, seeds ?? 1))))
            .Select(r => (Kd: r, Baseline: scheduler.Results.Get(engine.KeyOf(new RunSettings("", r.Alpha, r.Temperature, r.Student, r.Epochs, r.TrainSize, r.Seed, "mnist", r.Method).Baseline()))))
            .GroupBy(p => (p.Kd.Alpha, p.Kd.Temperature, p.Kd.Student, p.Kd.Epochs, p.Kd.TrainSize))
            .Select(g =>
            {
                var paired = g.Where(p => p.Baseline is not null).ToArray();
                var gain = paired.Length > 0 ? Experiments.SeedStatistics.Of(paired.Select(p => 100 * (p.Kd.TestAccuracy - p.Baseline!.TestAccuracy))) : null;
                return new
                {
                    g.Key.Alpha, g.Key.Temperature, g.Key.Student, g.Key.Epochs, g.Key.TrainSize, seeds = g.Select(p => p.Kd.Seed).Order().ToArray(),
                    accuracy = g.Average(p => p.Kd.TestAccuracy),
                    baselineAccuracy = paired.Length > 0 ? paired.Average(p => p.Baseline!.TestAccuracy) : (double?)null,
                    gainPoints = gain?.Mean, gainStd = gain is { Count: > 1 } ? gain.StandardDeviation : (double?)null,
                };
            })
            .ToArray();
        return Results.Json(new { cells }, StudioEvent.Json);
    }

    /// <summary>The port the server listens on, known once it has started (the option may be 0: a free port).</summary>
    private sealed class ServedAddress
    {
        public int Port { get; set; }
    }

    private sealed record RequestRefusal(int Status, string Field, string Error);

    /// <summary>
    /// Why <paramref name="request"/> is refused before any endpoint sees it, or null. A <c>Host</c> other than the
    /// loopback address and port served means a page on another name resolved to 127.0.0.1 (DNS rebinding); a
    /// state-changing request must carry this server's own <c>Origin</c>, which browsers send and pages cannot forge, so
    /// a page on another site cannot start or cancel runs even with a form post or text/plain body (no preflight).
    /// </summary>
    private static RequestRefusal? Refusal(HttpRequest request, ServedAddress served)
    {
        string[] own = [$"127.0.0.1:{served.Port}", $"localhost:{served.Port}"];
        string host = request.Host.Value ?? "";
        if (!own.Contains(host, StringComparer.OrdinalIgnoreCase))
        {
            return new(StatusCodes.Status403Forbidden, "Host", $"Host '{host}' is not this studio's address ({own[0]}); open {own[0]} directly.");
        }
        bool changesState = !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method));
        if (!changesState)
        {
            return null;
        }
        string origin = request.Headers.Origin.ToString();
        if (!own.Any(o => string.Equals(origin, "http://" + o, StringComparison.OrdinalIgnoreCase)))
        {
            return new(StatusCodes.Status403Forbidden, "Origin", origin.Length == 0
                ? "A request that starts or cancels a run must come from the studio's page (no Origin header was sent)."
                : $"Origin '{origin}' is not this studio's page; only the page at http://{own[0]} may start or cancel runs.");
        }
        if (HttpMethods.IsPost(request.Method))
        {
            if (request.ContentLength > MaxBodyBytes)
            {
                return new(StatusCodes.Status413PayloadTooLarge, "request", $"The request body is larger than {MaxBodyBytes:N0} bytes; a run request is a small JSON object.");
            }
            if (!(request.ContentType is { } type && type.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase)))
            {
                return new(StatusCodes.Status415UnsupportedMediaType, "Content-Type", $"The API takes application/json bodies, not '{request.ContentType}'.");
            }
        }
        return null;
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
