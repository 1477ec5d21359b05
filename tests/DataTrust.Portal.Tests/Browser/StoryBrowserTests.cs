using System.Text.Json;
using DataTrust.Portal.Tests.Worlds;
using Microsoft.Playwright;

namespace DataTrust.Portal.Tests.Browser;

/// <summary>
/// The demo's story through the browser, one portal per role on one <see cref="NodeWorld"/> (real anvil, real nodes
/// with DuckDB files, gRPC over loopback): the operator grants the enterprise's request, the enterprise explains,
/// submits and reads the chart, the operator revokes, the enterprise's next submit shows the ledger's decoded refusal,
/// and the auditor runs the audit and downloads a passing report.
/// </summary>
public sealed class StoryBrowserTests(NodeWorld world, Chromium chromium) : IClassFixture<NodeWorld>, IClassFixture<Chromium>
{
    private const string Purpose = "small-business credit risk statistics (browser story)";

    [Fact]
    public async Task The_demo_story_runs_through_the_browser_for_every_role()
    {
        await using var enterpriseHost = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory("enterprise"));
        await using var operatorHost = await world.StartPortalAsync(world.OperatorKeyHex, world.NewWorkDirectory("operator"));
        var enterprise = await chromium.SignInAsync(enterpriseHost, "en", "/enterprise/licenses");
        var op = await chromium.SignInAsync(operatorHost, "en", "/operator/requests");
        try
        {
            // The enterprise asks for a license on the SENSITIVE tax register, stating its purpose.
            var request = Form(enterprise, "request");
            await request.Locator("select[name=DatasetId]").SelectOptionAsync(world.Datasets[NodeWorld.Tax].ToString());
            await request.Locator("textarea[name=Purpose]").FillAsync(Purpose);
            await SubmitAsync(request);
            await enterpriseHost.Index.CatchUpAsync();
            var requestId = enterpriseHost.Index.Read(s => s.Requests.Values.Last(r => r.Purpose == Purpose).Id);
            await Chromium.ScreenshotAsync(enterprise, "story-1-requested.en");

            // The operator sees it in the queue with its purpose and grants it.
            await operatorHost.Index.CatchUpAsync();
            await op.GotoAsync(new Uri(operatorHost.BaseUri, "/operator/requests").ToString());
            Assert.Contains(Purpose, await op.InnerTextAsync($"[data-testid=request-{requestId}]"), StringComparison.Ordinal);
            var grant = Form(op, $"grant-{requestId}");
            await grant.Locator("input[name=Quota]").FillAsync("5");
            await grant.Locator("input[name=ExpiresInDays]").FillAsync("30");
            await grant.Locator("input[name=Epsilon]").FillAsync("2");
            await SubmitAsync(grant);
            Assert.Equal(0, await op.Locator(".refusal").CountAsync());
            await operatorHost.Index.CatchUpAsync();
            var licenseId = operatorHost.Index.Read(s => s.Requests[requestId].LicenseId);
            Assert.NotEqual(0UL, licenseId);
            await Chromium.ScreenshotAsync(op, "story-2-granted.en");

            // The enterprise explains its query, submits it, and reads the verified result as a table and a chart.
            await enterpriseHost.Index.CatchUpAsync();
            var query = new Uri(enterpriseHost.BaseUri, $"/enterprise/query?license={licenseId}").ToString();
            await enterprise.GotoAsync(query);
            var builder = Form(enterprise, "explain");
            await builder.Locator("input[name=Measure][value=COUNT]").CheckAsync();
            await builder.Locator("input[name=GroupBy]").First.CheckAsync();
            await builder.Locator("input[name=Epsilon]").FillAsync("0.5");
            await SubmitAsync(builder);
            Assert.True(await enterprise.Locator("[data-testid=explain]").IsVisibleAsync(), "the explain form shows what would be withheld and the cost");
            await SubmitAsync(Form(enterprise, "submit"));
            Assert.Equal(0, await enterprise.Locator(".refusal").CountAsync());
            var jobPath = await enterprise.Locator("[data-testid=submitted-job] a").GetAttributeAsync("href");
            await Chromium.ScreenshotAsync(enterprise, "story-3-submitted.en");
            await WaitForResultAsync(enterprise, new Uri(enterpriseHost.BaseUri, jobPath!));
            Assert.True(await enterprise.Locator("[data-testid=result-table] tbody tr").CountAsync() > 0, "the result has rows");
            await enterprise.Locator("[data-testid=result-chart] svg").First.WaitForAsync(new() { Timeout = 20_000 });
            Assert.True(await enterprise.Locator("[data-testid=verified-badge]").IsVisibleAsync(), "the verified badge shows");
            Assert.StartsWith("0x", await enterprise.InnerTextAsync("[data-testid=result-hash]"), StringComparison.Ordinal);
            await Chromium.ScreenshotAsync(enterprise, "story-4-result.en");

            // The enterprise explains its next query; before it submits, the operator revokes the license.
            await enterprise.GotoAsync(query);
            builder = Form(enterprise, "explain");
            await builder.Locator("input[name=Measure][value=COUNT]").CheckAsync();
            await builder.Locator("input[name=Epsilon]").FillAsync("0.5");
            await SubmitAsync(builder);
            Assert.Equal("true", await enterprise.GetAttributeAsync("[data-testid=explain]", "data-allowed"));
            await operatorHost.Index.CatchUpAsync();
            await op.GotoAsync(new Uri(operatorHost.BaseUri, "/operator/licenses").ToString());
            var revoke = Form(op, $"revoke-{licenseId}");
            await revoke.Locator("[name=Reason]").FillAsync("purpose exceeded (browser story)");
            await SubmitAsync(revoke);
            Assert.Equal(0, await op.Locator(".refusal").CountAsync());
            await Chromium.ScreenshotAsync(op, "story-5-revoked.en");

            // The enterprise's submit shows the ledger's decoded refusal.
            await SubmitAsync(Form(enterprise, "submit"));
            Assert.Contains("LicenseRevoked", await enterprise.InnerTextAsync(".refusal"), StringComparison.Ordinal);
            await Chromium.ScreenshotAsync(enterprise, "story-6-refused.en");

            // The auditor runs the audit over the chain and the nodes' logs, and downloads a passing report.
            await using var auditorHost = await world.StartPortalAsync(world.AuditorKeyHex, world.NewWorkDirectory("auditor"));
            var auditor = await chromium.SignInAsync(auditorHost, "en", "/audit");
            try
            {
                await auditor.FillAsync("#audit-execution-logs", string.Join("\n", world.Nodes.Values.Where(n => File.Exists(n.ExecutionLog)).Select(n => $"{n.Domain} {n.ExecutionLog}")));
                await auditor.FillAsync("#audit-release-logs", string.Join("\n", world.Nodes.Values.Where(n => File.Exists(Path.Combine(n.DataDirectory, "release.log"))).Select(n => $"{n.Domain} {Path.Combine(n.DataDirectory, "release.log")}")));
                await SubmitAsync(Form(auditor, "run-audit"));
                await Chromium.ScreenshotAsync(auditor, "story-7-audit.en");
                Assert.Contains("PASS", await auditor.InnerTextAsync("[data-testid=audit-verdict]"), StringComparison.Ordinal);
                var download = await auditor.RunAndWaitForDownloadAsync(() => auditor.ClickAsync("[data-testid=download-json]"));
                using var json = JsonDocument.Parse(await File.ReadAllTextAsync(await download.PathAsync()));
                Assert.Equal("pass", json.RootElement.GetProperty("verdict").GetString());
                Assert.All(json.RootElement.GetProperty("checks").EnumerateArray(), c => Assert.Equal("pass", c.GetProperty("verdict").GetString()));
            }
            finally
            {
                await auditor.Context.CloseAsync();
            }
        }
        catch
        {
            // What each role saw when the story broke, kept beside the other screenshots.
            await Chromium.ScreenshotAsync(enterprise, "story-failed-enterprise.en");
            await Chromium.ScreenshotAsync(op, "story-failed-operator.en");
            throw;
        }
        finally
        {
            await enterprise.Context.CloseAsync();
            await op.Context.CloseAsync();
        }
    }

    private static ILocator Form(IPage page, string name) => page.Locator($"form:has(input[name=_handler][value='{name}'])");

    private static async Task SubmitAsync(ILocator form)
    {
        var page = form.Page;
        await page.RunAndWaitForResponseAsync(() => form.Locator("button[type=submit]").First.ClickAsync(), r => r.Request.Method == "POST");

        // The answer is rendered on the server: the parsed document is what the story reads. (Waiting for the full load
        // event once timed out after 30 s on a fresh clone's full, parallel run, with the answer already on screen.)
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
    }

    private static async Task WaitForResultAsync(IPage page, Uri job)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            await page.GotoAsync(job.ToString());
            if (await page.Locator("[data-testid=result-table]").CountAsync() > 0)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, "the job's result did not appear: " + await page.InnerTextAsync("main"));
            await Task.Delay(1000);
        }
    }
}
