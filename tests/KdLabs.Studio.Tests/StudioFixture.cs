using KdLabs.Data;
using KdLabs.Infrastructure;
using KdLabs.Training;

namespace KdLabs.Studio.Tests;

/// <summary>
/// One studio for all tests: a smoke-sized teacher (2,000 training images, one epoch; cached like the lab's) and a
/// fresh results folder, so every run in the tests really trains unless a test asks for the cache.
/// </summary>
public sealed class StudioFixture : IAsyncLifetime
{
    private readonly string results = Path.Combine(Path.GetTempPath(), "kdlabs-studio-tests-" + Guid.NewGuid().ToString("N")[..8]);
    private StudioEngine? engine;

    public StudioServer Server { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public List<string> Log { get; } = [];

    public async Task InitializeAsync()
    {
        var options = new StudioOptions { Port = 0, Smoke = true, ResultsDirectory = results, QueueCapacity = 4, ShownDigits = 16, ReportEvery = 5 };
        engine = StudioEngine.Start(options, TrainingProgress.Silent, Remember);
        Server = await StudioServer.StartAsync(engine, Remember);
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
        engine?.Dispose();
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
