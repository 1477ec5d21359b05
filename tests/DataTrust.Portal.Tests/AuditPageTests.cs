using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DataTrust.Audit;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Portal.Tests;

/// <summary>The audit page on the small chain-only world: running it, its downloads, and every refusal.</summary>
public sealed partial class AuditPageTests(PortalWorld world) : IClassFixture<PortalWorld>
{
    [Fact]
    public async Task The_audit_runs_in_the_portal_and_its_json_download_is_what_the_audit_library_produces()
    {
        await using var host = await world.StartPortalAsync(world.AuditorKeyHex);
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var page = await http.PageAsync("/audit");
        Assert.Contains("data-testid=\"audit-none\"", page, StringComparison.Ordinal);
        using (var none = await http.GetAsync("/audit/report.json"))
        {
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
            Assert.Contains("No audit has run", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var head = await world.Rpc.GetBlockNumberAsync();
        using var response = await http.SubmitAsync("/audit", page, "run-audit", [new("Form.ToBlock", head.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Matches(VerdictPass(), html);
        foreach (var check in new[] { Auditor.LicensesCheck, Auditor.JobClosureCheck, Auditor.SensitiveExactCheck, Auditor.DatasetEpsilonCapCheck })
        {
            Assert.Contains($"data-testid=\"check-{check}\" data-verdict=\"pass\"", html, StringComparison.Ordinal);
        }

        Assert.Contains("data-testid=\"highlight-job-closure\"", html, StringComparison.Ordinal);
        Assert.Contains("No exact job on a SENSITIVE dataset.", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"privacy-chart\"", html, StringComparison.Ordinal);
        Assert.Contains("Tax records", html, StringComparison.Ordinal);
        Assert.Contains($"blocks {world.Authority.Deployment.DeploymentBlock}–{head}", html, StringComparison.Ordinal);

        // The download is the Audit library's JSON for the same trail (an independent run; only the time it ran differs).
        using var download = await http.GetAsync("/audit/report.json");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/json", download.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition!.DispositionType);
        var served = JsonNode.Parse(await download.Content.ReadAsStringAsync())!.AsObject();
        var own = await new Auditor().VerifyAsync(world.Authority, new AuditInputs([], [], head));
        var expected = JsonNode.Parse(AuditReportWriter.ToJsonString(own))!.AsObject();
        served.Remove("generatedAt");
        expected.Remove("generatedAt");
        Assert.Equal(expected.ToJsonString(), served.ToJsonString());
        Assert.Equal("pass", served["verdict"]!.GetValue<string>());

        // The page shows the last report on a later visit, with the download links.
        var again = await http.PageAsync("/audit");
        Assert.Contains("data-testid=\"download-json\"", again, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"download-html\"", again, StringComparison.Ordinal);
        Assert.Matches(VerdictPass(), again);
    }

    [Fact]
    public async Task The_html_download_speaks_the_language_of_the_request()
    {
        await using var host = await world.StartPortalAsync(world.AuditorKeyHex);
        using var http = new PortalHttp(host, "zh-CN,zh;q=0.9");
        await http.SignInAsync(host.LoginUri);
        var page = await http.PageAsync("/audit");
        Assert.Contains("开始审计", page, StringComparison.Ordinal);
        using var response = await http.SubmitAsync("/audit", page, "run-audit", []);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("PASS — 全部检查通过", html, StringComparison.Ordinal);
        Assert.Contains("计算任务闭环与退还", html, StringComparison.Ordinal);

        using var download = await http.GetAsync("/audit/report.html");
        var report = await download.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("text/html", download.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<html lang=\"zh-CN\">", report, StringComparison.Ordinal);
        Assert.Contains("<h1>DataTrust 审计报告</h1>", report, StringComparison.Ordinal);
        Assert.Contains("<h2>检查项</h2>", report, StringComparison.Ordinal);
        Assert.Contains("<h2>许可台账</h2>", report, StringComparison.Ordinal);
        Assert.DoesNotContain("License ledger", report, StringComparison.Ordinal);

        using var english = new PortalHttp(host);
        await english.SignInAsync(host.IssueLoginUri());
        var en = await (await english.GetAsync("/audit/report.html")).Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"en\">", en, StringComparison.Ordinal);
        Assert.Contains("License ledger", en, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_portal_of_an_enterprise_shows_no_audit_form_and_says_which_roles_may_run_it()
    {
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex);
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var html = WebUtility.HtmlDecode(await http.PageAsync("/audit"));
        Assert.Contains("data-testid=\"role-refusal\"", html, StringComparison.Ordinal);
        Assert.Contains("auditor / data operator", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Form.ExecutionLogs", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<button type=\"submit\">Run the audit", html, StringComparison.Ordinal);

        // A crafted post carries no token this session was given, so it is refused before any page code runs.
        using var crafted = await http.PostRawAsync("/audit", [new("_handler", "run-audit"), new("Form.ToBlock", "")]);
        Assert.True(crafted.StatusCode == HttpStatusCode.BadRequest, await crafted.Content.ReadAsStringAsync());
        using var report = await http.GetAsync("/audit/report.json");
        Assert.Equal(HttpStatusCode.NotFound, report.StatusCode);
    }

    [Fact]
    public async Task A_post_from_an_account_that_lost_its_role_is_refused_on_the_server_and_runs_nothing()
    {
        var (hex, key) = await world.NewFundedKeyAsync();
        await world.Authority.Participants.AdmitAsync(key.Address, Role.Auditor, "Short-lived auditor");
        await using var host = await world.StartPortalAsync(hex);
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var page = await http.PageAsync("/audit");
        Assert.Contains("Form.ExecutionLogs", page, StringComparison.Ordinal);

        await world.Authority.Participants.SuspendAsync(key.Address, "audit office closed");
        await host.Index.CatchUpAsync();
        using var response = await http.SubmitAsync("/audit", page, "run-audit", []);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("data-testid=\"refusal\"", html, StringComparison.Ordinal);
        Assert.Contains("suspended", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"audit-verdict\"", html, StringComparison.Ordinal);
        using var report = await http.GetAsync("/audit/report.json");
        Assert.Equal(HttpStatusCode.NotFound, report.StatusCode);
    }

    [Theory]
    [InlineData("Form.ExecutionLogs", "tax /no/such/execution.log", "Node execution logs, line 1: there is no file '/no/such/execution.log' on this machine. Nothing was run.")]
    [InlineData("Form.ExecutionLogs", "\nbank /tmp", "Node execution logs, line 2: 'bank' is neither a node account (0x…) nor the domain of one registered node (tax). Nothing was run.")]
    [InlineData("Form.ReleaseLogs", "0x00000000000000000000000000000000000000zz /tmp", "'0x00000000000000000000000000000000000000zz' is neither a node account")]
    [InlineData("Form.ResultFiles", "/no/such/result.json", "Result files, line 1: there is no file '/no/such/result.json' on this machine. Nothing was run.")]
    [InlineData("Form.ToBlock", "-3", "Last block to replay: '-3' is not a block between")]
    [InlineData("Form.ToBlock", "99999999", "Last block to replay: '99999999' is not a block between")]
    public async Task A_field_out_of_range_is_refused_with_a_sentence_naming_it_and_runs_nothing(string field, string value, string expected)
    {
        await using var host = await world.StartPortalAsync(world.AuditorKeyHex);
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var page = await http.PageAsync("/audit");
        using var response = await http.SubmitAsync("/audit", page, "run-audit", [new(field, value)]);
        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(expected, html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"audit-verdict\"", html, StringComparison.Ordinal);

        // The portal keeps serving, and a correct run still works.
        page = await http.PageAsync("/audit");
        using var ok = await http.SubmitAsync("/audit", page, "run-audit", []);
        Assert.Matches(VerdictPass(), await ok.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_replayed_run_audit_post_is_refused_before_reaching_the_page()
    {
        await using var host = await world.StartPortalAsync(world.AuditorKeyHex);
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var page = await http.PageAsync("/audit");
        using (var first = await http.SubmitAsync("/audit", page, "run-audit", []))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        using var replay = await http.SubmitAsync("/audit", page, "run-audit", []);
        Assert.Equal(HttpStatusCode.BadRequest, replay.StatusCode);
        Assert.Contains("already sent once", await replay.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [GeneratedRegex("data-testid=\"audit-verdict\">PASS")]
    private static partial Regex VerdictPass();
}
