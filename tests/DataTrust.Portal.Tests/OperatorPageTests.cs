using System.Net;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Portal.Tests;

/// <summary>The operator's pages over a real chain: the request queue (grant, reject), the licenses (revoke, use over time), and every refusal.</summary>
public sealed class OperatorPageTests(PortalWorld world) : IClassFixture<PortalWorld>
{
    private const string Requests = "/operator/requests";
    private const string LicensesPage = "/operator/licenses";

    [Fact]
    public async Task Grant_from_the_queue_creates_the_license_with_the_posted_kinds_quota_expiry_and_epsilon()
    {
        var requestId = await world.Enterprise.Licenses.RequestAsync(world.SensitiveDataset, "Credit risk model for SME loans");
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        using var http = await SignedInAsync(host);
        var page = await http.PageAsync(Requests);
        Assert.Contains($"data-testid=\"request-{requestId}\"", page, StringComparison.Ordinal);
        Assert.Contains("Credit risk model for SME loans", page, StringComparison.Ordinal);
        Assert.Contains("91350100M000100Y43", page, StringComparison.Ordinal);

        // Expiry counts from the later of the wall clock and the chain's time (another test moves the chain's clock ahead).
        var head = (await world.Rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;
        var before = DateTimeOffset.FromUnixTimeSeconds(Math.Max(DateTimeOffset.UtcNow.ToUnixTimeSeconds(), (long)head));
        var html = await SubmitAsync(http, page, $"grant-{requestId}", Grant("Aggregate", "7", "12", "1.25"));
        Assert.Null(OperatorForms.Refusal(html));
        Assert.Contains($"Granted request {requestId}", OperatorForms.Notice(html), StringComparison.Ordinal);

        var request = await world.Operator.Licenses.GetRequestAsync(requestId);
        Assert.Equal(RequestStatus.Granted, request.Status);
        var license = await world.Operator.Licenses.GetLicenseAsync(request.LicenseId);
        Assert.Equal(ComputationKindSet.Aggregate, license.Kinds);
        Assert.Equal(7u, license.Quota);
        Assert.Equal(Epsilon.Parse("1.25"), license.EpsilonBudget);
        Assert.Equal(world.Enterprise.Account, license.Licensee);
        var expected = before.AddDays(12).ToUnixTimeSeconds();
        Assert.InRange((long)license.ExpiresAt, expected - 5, expected + 300);
        Assert.False(OperatorForms.HasForm(html, $"grant-{requestId}"));
    }

    [Fact]
    public async Task The_grant_form_defaults_to_the_datasets_kinds_30_days_and_a_quarter_of_the_epsilon_cap_left()
    {
        var sensitive = await world.Enterprise.Licenses.RequestAsync(world.SensitiveDataset, "Defaults on SENSITIVE");
        var open = await world.Enterprise.Licenses.RequestAsync(world.OpenDataset, "Defaults on OPEN");
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        using var http = await SignedInAsync(host);
        var page = await http.PageAsync(Requests);

        var left = Epsilon.Parse("5").Micros - (await world.Operator.Licenses.GetDatasetEpsilonSpentAsync(world.SensitiveDataset)).Micros;
        var share = new Epsilon(left / 4 / 10_000 * 10_000);
        Assert.Contains($"id=\"epsilon-{sensitive}\" name=\"Epsilon\" inputmode=\"decimal\" pattern=\"[0-9]&#x2B;(\\.[0-9]{{1,6}})?\" value=\"{share}\"", page, StringComparison.Ordinal);
        Assert.Contains($"id=\"epsilon-{open}\" name=\"Epsilon\" inputmode=\"decimal\" pattern=\"[0-9]&#x2B;(\\.[0-9]{{1,6}})?\" value=\"0.000000\"", page, StringComparison.Ordinal);
        Assert.Contains($"id=\"kinds-{sensitive}-Aggregate\" name=\"Kinds\" value=\"Aggregate\" checked", page, StringComparison.Ordinal);
        Assert.Contains($"id=\"kinds-{sensitive}-EnclaveJoin\" name=\"Kinds\" value=\"EnclaveJoin\" checked", page, StringComparison.Ordinal);
        Assert.DoesNotContain($"id=\"kinds-{sensitive}-HeScoring\"", page, StringComparison.Ordinal);
        Assert.Contains($"id=\"days-{sensitive}\" name=\"ExpiresInDays\" min=\"1\" max=\"36500\" step=\"1\" value=\"30\"", page, StringComparison.Ordinal);

        // The defaults, sent as they are, are a grant the ledger accepts.
        var html = await SubmitAsync(http, page, $"grant-{sensitive}", Grant("Aggregate,EnclaveJoin", "100", "30", share.ToString()));
        Assert.Contains($"Granted request {sensitive}", OperatorForms.Notice(html), StringComparison.Ordinal);
        var license = await world.Operator.Licenses.GetLicenseAsync((await world.Operator.Licenses.GetRequestAsync(sensitive)).LicenseId);
        Assert.Equal(ComputationKindSet.Aggregate | ComputationKindSet.EnclaveJoin, license.Kinds);
        Assert.Equal(share, license.EpsilonBudget);
    }

    [Fact]
    public async Task Reject_from_the_queue_rejects_the_request_with_the_reason()
    {
        var requestId = await world.Enterprise.Licenses.RequestAsync(world.OpenDataset, "Marketing lists");
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        using var http = await SignedInAsync(host);
        var html = await SubmitAsync(http, await http.PageAsync(Requests), $"reject-{requestId}", [new("Reason", "Purpose not covered by the register's terms")]);
        Assert.Contains($"Rejected request {requestId}", OperatorForms.Notice(html), StringComparison.Ordinal);
        Assert.Equal(RequestStatus.Rejected, (await world.Operator.Licenses.GetRequestAsync(requestId)).Status);
        Assert.Contains("Purpose not covered by the register&#x27;s terms", html, StringComparison.Ordinal);
        Assert.Equal("Purpose not covered by the register's terms", host.Index.Read(s => s.Rejections[requestId]));
    }

    [Fact]
    public async Task Revoke_from_the_licenses_page_revokes_the_license_with_its_reason()
    {
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        var licenseId = await GrantedAsync(host, world.OpenDataset, Epsilon.Zero);
        using var http = await SignedInAsync(host);
        var html = await SubmitAsync(http, await http.PageAsync(LicensesPage), $"revoke-{licenseId}", [new("Reason", "Licensee breached the terms")]);
        Assert.Contains($"Revoked license {licenseId}", OperatorForms.Notice(html), StringComparison.Ordinal);
        Assert.True((await world.Operator.Licenses.GetLicenseAsync(licenseId)).Revoked);
        Assert.Contains("Licensee breached the terms", html, StringComparison.Ordinal);
        Assert.False(OperatorForms.HasForm(html, $"revoke-{licenseId}"));
    }

    [Fact]
    public async Task The_use_chart_and_table_show_quota_and_epsilon_left_after_each_charge()
    {
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        var licenseId = await GrantedAsync(host, world.SensitiveDataset, Epsilon.Parse("2"), quota: 5);
        await world.Enterprise.Jobs.SubmitAsync(licenseId, ComputationKind.Aggregate, new byte[] { 1, 2, 3 }, Epsilon.Parse("0.5"));
        await world.Enterprise.Jobs.SubmitAsync(licenseId, ComputationKind.Aggregate, new byte[] { 4, 5, 6 }, Epsilon.Parse("0.25"));
        await host.Index.CatchUpAsync();
        using var http = await SignedInAsync(host);
        var html = await http.PageAsync(LicensesPage);

        using var chart = OperatorForms.Chart(html, $"license-use-{licenseId}");
        Assert.True(chart.RootElement.GetProperty("aria").GetProperty("enabled").GetBoolean());
        Assert.Equal([5m, 4m, 3m], OperatorForms.Series(chart, 0));
        Assert.Equal([2m, 1.5m, 1.25m], OperatorForms.Series(chart, 1));
        Assert.Equal(3, chart.RootElement.GetProperty("xAxis").GetProperty("data").GetArrayLength());
        Assert.Contains("3 left of 5 (2 used)", html, StringComparison.Ordinal);
        Assert.Contains("1.250000 left of 2.000000 (0.750000 used)", html, StringComparison.Ordinal);
        Assert.Contains($"data-testid=\"license-use-table-{licenseId}\"", html, StringComparison.Ordinal);

        // A charge after the page was first rendered shows once the index has followed it.
        await world.Enterprise.Jobs.SubmitAsync(licenseId, ComputationKind.Aggregate, new byte[] { 7 }, Epsilon.Parse("1"));
        await host.Index.CatchUpAsync();
        using var later = OperatorForms.Chart(await http.PageAsync(LicensesPage), $"license-use-{licenseId}");
        Assert.Equal([5m, 4m, 3m, 2m], OperatorForms.Series(later, 0));
        Assert.Equal([2m, 1.5m, 1.25m, 0.25m], OperatorForms.Series(later, 1));
    }

    [Fact]
    public async Task A_refund_shows_as_quota_and_epsilon_coming_back_on_the_use_chart()
    {
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        var licenseId = await GrantedAsync(host, world.SensitiveDataset, Epsilon.Parse("1"), quota: 2);
        var jobId = await world.Enterprise.Jobs.SubmitAsync(licenseId, ComputationKind.Aggregate, new byte[] { 8 }, Epsilon.Parse("0.4"));

        // No node runs it: past the deployment's pending deadline its submitter cancels it and the contract refunds it.
        await world.Rpc.CallAsync("evm_increaseTime", [(long)DataTrustLedger.DefaultPendingDeadline.TotalSeconds + 60]);
        await world.Rpc.CallAsync("evm_mine", []);
        await world.Enterprise.Jobs.CancelAsync(jobId);
        await host.Index.CatchUpAsync();

        using var http = await SignedInAsync(host);
        var html = await http.PageAsync(LicensesPage);
        using var chart = OperatorForms.Chart(html, $"license-use-{licenseId}");
        Assert.Equal([2m, 1m, 2m], OperatorForms.Series(chart, 0));
        Assert.Equal([1m, 0.6m, 1m], OperatorForms.Series(chart, 1));
        Assert.Contains($"refund (job {jobId} closed unread)", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_out_of_range_grant_field_is_refused_with_a_sentence_naming_it_and_nothing_is_sent()
    {
        var requestId = await world.Enterprise.Licenses.RequestAsync(world.SensitiveDataset, "Out-of-range probe");
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        using var http = await SignedInAsync(host);
        (string Case, List<KeyValuePair<string, string>> Fields, string Expected)[] cases =
        [
            ("no kinds", Grant(null, "5", "30", "1"), "Computations: choose at least one"),
            ("kind not offered", Grant("HeScoring", "5", "30", "1"), "is not among what the dataset allows"),
            ("unknown kind", Grant("Teleport", "5", "30", "1"), "'Teleport' is not a computation kind"),
            ("numeric kind", Grant("1", "5", "30", "1"), "'1' is not a computation kind"),
            ("quota 0", Grant("Aggregate", "0", "30", "1"), "Quota: give a whole number of jobs from 1 to 4,294,967,295"),
            ("quota negative", Grant("Aggregate", "-1", "30", "1"), "Quota:"),
            ("quota above uint32", Grant("Aggregate", "4294967296", "30", "1"), "Quota:"),
            ("quota not a number", Grant("Aggregate", "many", "30", "1"), "Quota:"),
            ("quota twice", [.. Grant("Aggregate", "5", "30", "1"), new("Quota", "6")], "Quota:"),
            ("expiry 0 days", Grant("Aggregate", "5", "0", "1"), "Expiry: give a whole number of days from 1 to 36,500"),
            ("expiry past the limit", Grant("Aggregate", "5", "36501", "1"), "Expiry:"),
            ("expiry fractional", Grant("Aggregate", "5", "1.5", "1"), "Expiry:"),
            ("epsilon negative", Grant("Aggregate", "5", "30", "-1"), "ε budget: '-1' is not a non-negative decimal"),
            ("epsilon not a number", Grant("Aggregate", "5", "30", "lots"), "ε budget:"),
            ("epsilon seven decimals", Grant("Aggregate", "5", "30", "0.0000001"), "ε budget:"),
            ("epsilon above the cap", Grant("Aggregate", "5", "30", "6"), "is more than is left of the dataset's ε cap"),
            ("epsilon 0 on SENSITIVE", Grant("Aggregate", "5", "30", "0"), "a SENSITIVE dataset never answers exactly"),
        ];
        var licenses = await world.Operator.Licenses.GetLicenseCountAsync();
        foreach (var (name, fields, expected) in cases)
        {
            var html = await SubmitAsync(http, await http.PageAsync(Requests), $"grant-{requestId}", fields);
            var refusal = OperatorForms.Refusal(html);
            Assert.True(refusal is not null && refusal.Contains(expected, StringComparison.Ordinal), $"{name}: expected a refusal with '{expected}', got '{refusal}'");
            Assert.True(OperatorForms.HasForm(html, $"grant-{requestId}"), $"{name}: the request should still wait with its form");
        }

        Assert.Equal(licenses, await world.Operator.Licenses.GetLicenseCountAsync());
        Assert.Equal(RequestStatus.Pending, (await world.Operator.Licenses.GetRequestAsync(requestId)).Status);
    }

    [Fact]
    public async Task A_reject_or_revoke_without_a_reason_or_with_one_too_long_is_refused_and_nothing_is_sent()
    {
        var requestId = await world.Enterprise.Licenses.RequestAsync(world.OpenDataset, "Reason probe");
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        var licenseId = await GrantedAsync(host, world.OpenDataset, Epsilon.Zero);
        using var http = await SignedInAsync(host);
        foreach (var reason in new[] { "", "   ", new string('理', 1366) })
        {
            var rejected = await SubmitAsync(http, await http.PageAsync(Requests), $"reject-{requestId}", [new("Reason", reason)]);
            Assert.StartsWith("Reason:", OperatorForms.Refusal(rejected), StringComparison.Ordinal);
            var revoked = await SubmitAsync(http, await http.PageAsync(LicensesPage), $"revoke-{licenseId}", [new("Reason", reason)]);
            Assert.StartsWith("Reason:", OperatorForms.Refusal(revoked), StringComparison.Ordinal);
        }

        Assert.Contains("at most 4,096 bytes", OperatorForms.Refusal(await SubmitAsync(http, await http.PageAsync(Requests), $"reject-{requestId}", [new("Reason", new string('理', 1366))])), StringComparison.Ordinal);
        Assert.Equal(RequestStatus.Pending, (await world.Operator.Licenses.GetRequestAsync(requestId)).Status);
        Assert.False((await world.Operator.Licenses.GetLicenseAsync(licenseId)).Revoked);
    }

    [Fact]
    public async Task An_enterprise_portal_posting_a_grant_is_refused_by_role_and_nothing_is_sent()
    {
        var requestId = await world.Enterprise.Licenses.RequestAsync(world.OpenDataset, "Role probe");
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex);
        using var http = await SignedInAsync(host);
        var page = await http.PageAsync(Requests);
        Assert.Contains("data-testid=\"role-refusal\"", page, StringComparison.Ordinal);
        Assert.False(OperatorForms.HasForm(page, $"grant-{requestId}"));

        // A crafted post: a valid session token and nonce taken from a form the enterprise may use, aimed at the grant.
        var hidden = OperatorForms.Hidden(await http.PageAsync("/consent"), "give-consent").Where(f => f.Key != "_handler").ToList();
        var licenses = await world.Operator.Licenses.GetLicenseCountAsync();
        using var response = await http.PostRawAsync(Requests, [.. hidden, new("_handler", $"grant-{requestId}"), .. Grant("Aggregate", "5", "30", "0")]);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("This page is for the data operator role", OperatorForms.Refusal(html) ?? "", StringComparison.Ordinal);
        Assert.Equal(licenses, await world.Operator.Licenses.GetLicenseCountAsync());
        Assert.Equal(RequestStatus.Pending, (await world.Operator.Licenses.GetRequestAsync(requestId)).Status);
    }

    [Fact]
    public async Task An_enterprise_portal_posting_a_revoke_is_refused_by_role_and_the_license_stays()
    {
        ulong licenseId;
        await using (var operatorHost = await world.StartPortalAsync(world.OperatorKeyHex))
        {
            licenseId = await GrantedAsync(operatorHost, world.OpenDataset, Epsilon.Zero);
        }

        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex);
        using var http = await SignedInAsync(host);
        Assert.False(OperatorForms.HasForm(await http.PageAsync(LicensesPage), $"revoke-{licenseId}"));
        var hidden = OperatorForms.Hidden(await http.PageAsync("/consent"), "give-consent").Where(f => f.Key != "_handler").ToList();
        using var response = await http.PostRawAsync(LicensesPage, [.. hidden, new("_handler", $"revoke-{licenseId}"), new("Reason", "not mine to revoke")]);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("This page is for the data operator / authority role", OperatorForms.Refusal(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.False((await world.Operator.Licenses.GetLicenseAsync(licenseId)).Revoked);
    }

    [Fact]
    public async Task A_suspended_operator_is_told_so_and_its_grant_is_refused_before_sending()
    {
        var requestId = await world.Enterprise.Licenses.RequestAsync(world.OpenDataset, "Suspension probe");
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        using var http = await SignedInAsync(host);
        var hidden = OperatorForms.Hidden(await http.PageAsync(Requests), $"grant-{requestId}");
        await world.Authority.Participants.SuspendAsync(host.Account.Address, "Audit pending");
        try
        {
            await host.Index.CatchUpAsync();
            var page = await http.PageAsync(Requests);
            Assert.Contains("data-testid=\"operator-suspended\"", page, StringComparison.Ordinal);
            Assert.False(OperatorForms.HasForm(page, $"grant-{requestId}"));
            using var response = await http.PostRawAsync(Requests, [.. hidden, .. Grant("Aggregate", "5", "30", "0")]);
            Assert.Contains("This page is for the data operator role", OperatorForms.Refusal(await response.Content.ReadAsStringAsync()), StringComparison.Ordinal);
            Assert.Equal(RequestStatus.Pending, (await world.Operator.Licenses.GetRequestAsync(requestId)).Status);
        }
        finally
        {
            await world.Authority.Participants.ReinstateAsync(host.Account.Address);
        }
    }

    [Fact]
    public async Task A_grant_when_the_chain_has_gone_away_shows_a_clear_message_and_the_portal_keeps_serving()
    {
        // A chain of its own, so stopping it leaves the class's chain running.
        var gone = new PortalWorld();
        await gone.InitializeAsync();
        var requestId = await gone.Enterprise.Licenses.RequestAsync(gone.OpenDataset, "Chain goes away");
        await using var host = await gone.StartPortalAsync(gone.OperatorKeyHex);
        using var http = await SignedInAsync(host);
        var page = await http.PageAsync(Requests);
        await gone.DisposeAsync();

        var html = await SubmitAsync(http, page, $"grant-{requestId}", Grant("Aggregate", "5", "30", "0"));
        Assert.Contains("The chain did not answer", OperatorForms.Refusal(html), StringComparison.Ordinal);
        Assert.Contains($"data-testid=\"request-{requestId}\"", await http.PageAsync(Requests), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no antiforgery token", "security token")]
    [InlineData("no nonce", "was already sent once")]
    [InlineData("replayed", "was already sent once")]
    public async Task A_grant_post_with_a_bad_guard_gets_the_clear_page_and_changes_nothing(string variant, string expected)
    {
        var requestId = await world.Enterprise.Licenses.RequestAsync(world.OpenDataset, "Guard probe " + variant);
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        using var http = await SignedInAsync(host);
        var hidden = OperatorForms.Hidden(await http.PageAsync(Requests), $"grant-{requestId}");
        var fields = Grant("Aggregate", "5", "30", "0");
        var licenses = await world.Operator.Licenses.GetLicenseCountAsync();
        if (variant == "replayed")
        {
            using var first = await http.PostRawAsync(Requests, [.. hidden, .. Grant("Aggregate", "0", "30", "0")]);
            Assert.Contains("Quota:", OperatorForms.Refusal(await first.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }

        var sent = variant switch
        {
            "no antiforgery token" => hidden.Where(f => f.Key != OperatorForms.Antiforgery),
            "no nonce" => hidden.Where(f => f.Key != OperatorForms.Nonce),
            _ => hidden,
        };
        using var response = await http.PostRawAsync(Requests, [.. sent, .. fields]);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {html}");
        Assert.Contains("This form was not sent", html, StringComparison.Ordinal);
        Assert.Contains(expected, html, StringComparison.Ordinal);
        Assert.Equal(licenses, await world.Operator.Licenses.GetLicenseCountAsync());
        Assert.Equal(RequestStatus.Pending, (await world.Operator.Licenses.GetRequestAsync(requestId)).Status);

        // The portal keeps serving.
        Assert.Contains($"data-testid=\"request-{requestId}\"", await http.PageAsync(Requests), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Granting_a_request_already_granted_shows_the_ledgers_decoded_refusal()
    {
        var requestId = await world.Enterprise.Licenses.RequestAsync(world.OpenDataset, "Granted twice");
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        using var http = await SignedInAsync(host);
        var page = await http.PageAsync(Requests);

        // Meanwhile the same operator grants it elsewhere (through the portal's own signer, so nonces stay in order).
        await host.Account.Ledger.Licenses.GrantAsync(requestId, ComputationKindSet.Aggregate, 1, DateTimeOffset.UtcNow.AddDays(1), Epsilon.Zero);
        await host.Index.CatchUpAsync();
        var licenses = await world.Operator.Licenses.GetLicenseCountAsync();

        var html = await SubmitAsync(http, page, $"grant-{requestId}", Grant("Aggregate", "5", "30", "0"));
        var refusal = OperatorForms.Refusal(html);
        Assert.NotNull(refusal);
        Assert.Contains("The ledger refused", refusal, StringComparison.Ordinal);
        Assert.Contains("RequestNotPending", refusal, StringComparison.Ordinal);
        Assert.Equal(licenses, await world.Operator.Licenses.GetLicenseCountAsync());
    }

    [Fact]
    public async Task Revoking_a_license_already_revoked_shows_the_ledgers_decoded_refusal()
    {
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        var licenseId = await GrantedAsync(host, world.OpenDataset, Epsilon.Zero);
        using var http = await SignedInAsync(host);
        var page = await http.PageAsync(LicensesPage);
        await host.Account.Ledger.Licenses.RevokeAsync(licenseId, "revoked elsewhere");
        await host.Index.CatchUpAsync();
        var refusal = OperatorForms.Refusal(await SubmitAsync(http, page, $"revoke-{licenseId}", [new("Reason", "again")]));
        Assert.Contains("LicenseAlreadyRevoked", refusal, StringComparison.Ordinal);
        Assert.Equal("revoked elsewhere", host.Index.Read(s => s.Revocations[licenseId]));
    }

    [Fact]
    public async Task The_request_queue_speaks_Chinese_when_the_browser_asks_for_it()
    {
        var requestId = await world.Enterprise.Licenses.RequestAsync(world.SensitiveDataset, "中小企业信用评估");
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex);
        using var http = new PortalHttp(host, "zh-CN,zh;q=0.9");
        await http.SignInAsync(host.LoginUri);
        var page = await http.PageAsync(Requests);
        Assert.Contains("授权申请", page, StringComparison.Ordinal);
        Assert.Contains("中小企业信用评估", page, StringComparison.Ordinal);
        var html = await SubmitAsync(http, page, $"grant-{requestId}", Grant("Aggregate", "0", "30", "1"));
        Assert.StartsWith("配额", OperatorForms.Refusal(html), StringComparison.Ordinal);
    }

    private static List<KeyValuePair<string, string>> Grant(string? kinds, string quota, string days, string epsilon)
    {
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var kind in (kinds ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            fields.Add(new("Kinds", kind));
        }

        fields.Add(new("Quota", quota));
        fields.Add(new("ExpiresInDays", days));
        fields.Add(new("Epsilon", epsilon));
        return fields;
    }

    private static async Task<PortalHttp> SignedInAsync(PortalHost host)
    {
        var http = new PortalHttp(host);
        using var response = await http.SignInAsync(host.LoginUri);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return http;
    }

    private static async Task<string> SubmitAsync(PortalHttp http, string page, string formName, List<KeyValuePair<string, string>> fields)
    {
        using var response = await http.SubmitAsync(formName.StartsWith("revoke-", StringComparison.Ordinal) ? LicensesPage : Requests, page, formName, fields);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST {formName}: {(int)response.StatusCode}\n{html}");
        return html;
    }

    /// <summary>
    /// A license on <paramref name="dataset"/> for the world's enterprise, requested and granted directly on the ledger; the grant
    /// goes through the portal's own signer (one nonce counter per account), and the index follows it.
    /// </summary>
    private async Task<ulong> GrantedAsync(PortalHost host, Hash32 dataset, Epsilon epsilon, uint quota = 3)
    {
        var requestId = await world.Enterprise.Licenses.RequestAsync(dataset, "Granted for the test");
        var licenseId = await host.Account.Ledger.Licenses.GrantAsync(requestId, ComputationKindSet.Aggregate, quota, DateTimeOffset.UtcNow.AddDays(3), epsilon);
        await host.Index.CatchUpAsync();
        return licenseId;
    }
}
