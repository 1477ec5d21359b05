using Microsoft.Playwright;

namespace DataTrust.Portal.Tests.Browser;

/// <summary>
/// Debian's Chromium driven by Playwright (no <c>playwright install</c>: the browser is the system's, the driver comes
/// with the NuGet package). One browser per test class; each test opens its own contexts (cookies, language).
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    private IPlaywright? _playwright;

    /// <summary>The running browser.</summary>
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where full-page screenshots are kept: TestResults/portal-screenshots under the test output folder.</summary>
    public static DirectoryInfo Screenshots { get; } = new(Path.Combine(AppContext.BaseDirectory, "TestResults", "portal-screenshots"));

    /// <summary>The Chromium executable: /usr/bin/chromium, or the first <c>chromium</c> on PATH.</summary>
    /// <exception cref="InvalidOperationException">No Chromium is installed; scripts/test.sh installs it.</exception>
    public static string ExecutablePath()
    {
        var candidates = new List<string> { "/usr/bin/chromium" };
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "chromium")));
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("The portal's browser tests need Debian's Chromium and fonts-noto-cjk, and neither /usr/bin/chromium nor a chromium on PATH exists. Run the tests with ./scripts/test.sh (it installs them), or apt-get install chromium fonts-noto-cjk.");
    }

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        var executable = ExecutablePath();
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = executable,
            Headless = true,
            // Chromium's sandbox refuses to start as root (CI containers); as any other user it stays on.
            Args = Environment.UserName == "root" ? ["--no-sandbox"] : [],
        });
    }

    /// <summary>A new browser context (own cookies) asking for <paramref name="locale"/>, signed in to <paramref name="host"/> with a fresh one-time link.</summary>
    public async Task<IPage> SignInAsync(PortalHost host, string locale = "en", string path = "/")
    {
        ArgumentNullException.ThrowIfNull(host);
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = locale,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        var page = await context.NewPageAsync();
        var response = await page.GotoAsync(host.IssueLoginUri(path).ToString());
        Assert.True(response is { Status: 200 }, $"sign-in to {path}: {response?.Status}");
        return page;
    }

    /// <summary>Keeps a full-page PNG of <paramref name="page"/> as TestResults/portal-screenshots/<paramref name="name"/>.png.</summary>
    public static async Task<FileInfo> ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        Screenshots.Create();
        var file = new FileInfo(Path.Combine(Screenshots.FullName, name + ".png"));
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = file.FullName, FullPage = true });
        return file;
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
