using Microsoft.Playwright;

namespace KdLabs.Studio.Tests;

/// <summary>
/// Debian's chromium driven by Playwright (its own browser download is not reachable from these machines, so the
/// system browser is launched through <c>ExecutablePath</c>). Set KDLABS_CHROMIUM to use another binary.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public static string ChromiumPath => Environment.GetEnvironmentVariable("KDLABS_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} not found: the browser tests need Debian's chromium (apt-get install -y chromium), or KDLABS_CHROMIUM pointing at a Chromium binary.");
        }
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        Playwright?.Dispose();
    }
}
