using Microsoft.Playwright;

namespace NextGenCrm.Tests.Dashboard;

/// <summary>Debian's Chromium driven by Playwright: the system browser, never a downloaded one.</summary>
public sealed class BrowserSession : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    // What Chromium needs as root on these machines (see /work/shared/ENVIRONMENT.md): without the background
    // networking flags it tries the network, which is closed here.
    private static readonly string[] Flags =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    ];

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where the screenshots go: beside the test results (kept by CI), else a temporary folder.</summary>
    public static string ScreenshotFolder { get; } = Directory.CreateDirectory(Path.Combine(
        Environment.GetEnvironmentVariable("TEST_RESULTS_DIR") is { Length: > 0 } results ? results : Path.Combine(Path.GetTempPath(), "nextgencrm-tests"),
        "screenshots")).FullName;

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"{ChromiumPath} is missing: run scripts/setup.sh (it installs Debian's chromium package).");
        }
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = Flags,
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}
