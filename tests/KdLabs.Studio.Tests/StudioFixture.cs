using KdLabs.Data;
using KdLabs.Infrastructure;

namespace KdLabs.Studio.Tests;

/// <summary>
/// One studio for all tests: a smoke-sized teacher (2,000 training images, one epoch; cached like the lab's) and a
/// fresh results folder, so every run in the tests really trains unless a test asks for the cache. It starts as
/// <c>kdlabs studio</c> does (the server first, the engine behind it) and the tests begin once the teacher is ready.
/// </summary>
public sealed class StudioFixture : IAsyncLifetime
{
    private readonly string results = Path.Combine(Path.GetTempPath(), "kdlabs-studio-tests-" + Guid.NewGuid().ToString("N")[..8]);
    public StudioServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public List<string> Log { get; } = [];

    /// <summary>The fixture's settings; a test starting its own studio copies them.</summary>
    public StudioOptions Options => new() { Port = 0, Smoke = true, ResultsDirectory = results, QueueCapacity = 4, ShownDigits = 16, ReportEvery = 5 };

    public async Task InitializeAsync()
    {
        Server = await StudioServer.StartAsync(Options, Remember);
        if (await Server.Ready.WaitAsync(TimeSpan.FromMinutes(5)) is null)
        {
            throw new InvalidOperationException($"The studio did not start: {Server.Status.Error ?? Server.Status.Message}\n{string.Join("\n", Log)}");
        }
        Http = new HttpClient { BaseAddress = Server.Url, Timeout = TimeSpan.FromMinutes(3) };
        // The studio's own page sends its Origin with every request that starts or cancels a run; so does this client.
        Http.DefaultRequestHeaders.Add("Origin", Server.Url.GetLeftPart(UriPartial.Authority));
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        if (Directory.Exists(results))
        {
            Directory.Delete(results, recursive: true);
        }
    }

    /// <summary>The repository root (for docs/images).</summary>
    public static string RepositoryRoot => KdLabsPaths.RepositoryRoot ?? throw new InvalidOperationException("Tests run from a checkout.");

    private void Remember(string line)
    {
        lock (Log)
        {
            Log.Add(line);
        }
    }
}

[CollectionDefinition("studio")]
public sealed class StudioCollection : ICollectionFixture<StudioFixture>;
