using System.Net;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Signing;

namespace DataTrust.Portal.Tests.Browser;

/// <summary>What a person sees in the browser when something is wrong: a wrong link, a chain that goes away mid-session.</summary>
public sealed class BadInputBrowserTests(PortalWorld world, Chromium chromium) : IClassFixture<PortalWorld>, IClassFixture<Chromium>
{
    [Fact]
    public async Task A_wrong_token_shows_the_clear_page_in_the_browser_and_opens_no_session()
    {
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex);
        var context = await chromium.Browser.NewContextAsync(new() { Locale = "en" });
        try
        {
            var page = await context.NewPageAsync();
            var response = await page.GotoAsync(new Uri(host.BaseUri, "/?token=" + new string('0', 48)).ToString());
            Assert.Equal((int)HttpStatusCode.Forbidden, response!.Status);
            Assert.Contains("wrong or was already used", await page.InnerTextAsync("body"), StringComparison.Ordinal);
            Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name == Hosting.PortalAccess.CookieName);

            var catalog = await page.GotoAsync(new Uri(host.BaseUri, "/catalog").ToString());
            Assert.Equal((int)HttpStatusCode.Unauthorized, catalog!.Status);
            Assert.DoesNotContain("Market register", await page.InnerTextAsync("body"), StringComparison.Ordinal);
            await Chromium.ScreenshotAsync(page, "wrong-token.en");
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    [Fact]
    public async Task When_the_chain_goes_away_pages_keep_serving_with_the_chain_banner_and_recover_when_it_is_back()
    {
        var state = Path.Combine(Path.GetTempPath(), "datatrust-portal-away-" + Guid.NewGuid().ToString("N") + ".json");
        var chain = await LocalChain.StartAsync(new LocalChainOptions { StatePath = state });
        try
        {
            var port = chain.RpcUri.Port;
            var authorityHex = chain.DevelopmentPrivateKeys[0];
            Deployment deployment;
            using (var rpc = chain.CreateClient())
            using (var authorityKey = EthereumKey.FromPrivateKeyHex(authorityHex))
            {
                deployment = (await DataTrustLedger.DeployAsync(rpc, authorityKey)).Deployment;
            }

            await using var host = await PortalHost.StartAsync(new PortalOptions
            {
                Rpc = chain.RpcUri,
                Deployment = deployment,
                Key = EthereumKey.FromPrivateKeyHex(authorityHex),
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                PollInterval = TimeSpan.FromMilliseconds(200),
            });
            var page = await chromium.SignInAsync(host, "en", "/catalog");
            Assert.Equal(0, await page.Locator("[data-testid=chain-status]").CountAsync());
            var block = host.Index.Read(s => s.Block);

            await chain.StopAsync();
            await WaitForAsync(() => host.Index.LastError is not null, "the index notices the chain is gone");
            foreach (var path in new[] { "/", "/catalog", "/catalog" })
            {
                var response = await page.GotoAsync(new Uri(host.BaseUri, path).ToString());
                Assert.Equal(200, response!.Status);
                var banner = await page.InnerTextAsync("[data-testid=chain-status]");
                Assert.Contains("The chain is not answering", banner, StringComparison.Ordinal);
                Assert.Contains($"as of block {block}", banner, StringComparison.Ordinal);
            }

            await Chromium.ScreenshotAsync(page, "chain-away.en");
            await Assert.ThrowsAnyAsync<Exception>(() => host.Index.CatchUpAsync());

            chain = await LocalChain.StartAsync(new LocalChainOptions { StatePath = state, Port = port });
            await WaitForAsync(() => host.Index.LastError is null, "the index follows the chain again once it is back");
            await page.GotoAsync(new Uri(host.BaseUri, "/catalog").ToString());
            Assert.Equal(0, await page.Locator("[data-testid=chain-status]").CountAsync());
            await page.Context.CloseAsync();
        }
        finally
        {
            await chain.DisposeAsync();
            File.Delete(state);
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting until " + what);
            await Task.Delay(100);
        }
    }
}
