using DataTrust.Core.Catalog;
using DataTrust.Portal.Tests.Worlds;
using DataTrust.Protos.V1;
using Google.Protobuf;
using static DataTrust.Portal.Tests.EnterpriseLicensesTests;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Portal.Tests;

/// <summary>The enterprise's jobs page: states, reasons, charges and refunds, and cancelling a stuck job (the contract decides).</summary>
public sealed class EnterpriseJobsTests(NodeWorld world) : IClassFixture<NodeWorld>
{
    private const string Path = "/enterprise/jobs";

    [Fact]
    public async Task A_pending_job_cancelled_before_its_deadline_shows_the_decoded_NotPastDeadline_refusal_then_cancels_after_it()
    {
        var license = await world.GrantAsync(NodeWorld.Social);
        var job = await SubmitStuckAsync(license);
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var page = await http.PageAsync(Path);
        Assert.Contains("pending", Row(page, $"job-{job}"), StringComparison.Ordinal);

        using (var early = await http.SubmitAsync(Path, page, $"cancel-{job}", []))
        {
            var html = await early.Content.ReadAsStringAsync();
            Assert.Contains("data-testid=\"refusal\"", html, StringComparison.Ordinal);
            Assert.Contains("NotPastDeadline", html, StringComparison.Ordinal);
        }

        Assert.Equal(Ledger.Contracts.JobStatus.Pending, (await world.Authority.Jobs.GetJobAsync(job)).Status);
        await world.AdvanceTimeAsync(await world.Authority.Jobs.GetPendingDeadlineAsync() + TimeSpan.FromMinutes(1));
        using var late = await http.SubmitAsync(Path, await http.PageAsync(Path), $"cancel-{job}", []);
        var done = await late.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"notice\"", done, StringComparison.Ordinal);
        Assert.Equal(Ledger.Contracts.JobStatus.Cancelled, (await world.Authority.Jobs.GetJobAsync(job)).Status);
        var row = Row(done, $"job-{job}");
        Assert.Contains("cancelled", row, StringComparison.Ordinal);
        Assert.Contains("refunded", row, StringComparison.Ordinal);
        Assert.Equal(20u, (await world.Authority.Licenses.GetLicenseAsync(license)).QuotaRemaining);
    }

    [Fact]
    public async Task Cancelling_a_job_that_is_no_longer_pending_shows_the_decoded_JobNotPending_refusal()
    {
        var license = await world.GrantAsync(NodeWorld.Social);
        var job = await SubmitStuckAsync(license);
        await world.AdvanceTimeAsync(await world.Authority.Jobs.GetPendingDeadlineAsync() + TimeSpan.FromMinutes(1));
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var first = await http.PageAsync(Path);
        var second = await http.PageAsync(Path);
        using (var ok = await http.SubmitAsync(Path, first, $"cancel-{job}", []))
        {
            Assert.Contains("data-testid=\"notice\"", await ok.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var again = await http.SubmitAsync(Path, second, $"cancel-{job}", []);
        var html = await again.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"refusal\"", html, StringComparison.Ordinal);
        Assert.Contains("JobNotPending", html, StringComparison.Ordinal);
        Assert.Contains("cancelled", Row(html, $"job-{job}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_operator_portal_posting_a_cancel_is_refused_by_role_and_nothing_is_sent()
    {
        var license = await world.GrantAsync(NodeWorld.Social);
        var job = await SubmitStuckAsync(license);
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var page = await http.PageAsync(Path);
        Assert.Contains("data-testid=\"role-refusal\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain($"cancel-{job}", page, StringComparison.Ordinal);

        // A crafted post: the operator session's valid antiforgery token and nonce (from another form), naming the enterprise's job.
        var fields = EnterpriseHtml.HiddenFields(await http.PageAsync("/enterprise/licenses"), "request")
            .Where(f => f.Key != "_handler").Append(new("_handler", $"cancel-{job}"));
        using var response = await http.PostRawAsync(Path, fields);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("only an enterprise (data user) may take this action", html, StringComparison.Ordinal);
        Assert.Equal(Ledger.Contracts.JobStatus.Pending, (await world.Authority.Jobs.GetJobAsync(job)).Status);
    }

    [Fact]
    public async Task The_jobs_page_lists_only_this_accounts_jobs_newest_first_with_their_license_and_epsilon()
    {
        var license = await world.GrantAsync(NodeWorld.Social);
        var older = await SubmitStuckAsync(license);
        var newer = await SubmitStuckAsync(license);
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var html = await http.PageAsync(Path);
        Assert.True(html.IndexOf($"data-testid=\"job-{newer}\"", StringComparison.Ordinal) < html.IndexOf($"data-testid=\"job-{older}\"", StringComparison.Ordinal));
        var row = Row(html, $"job-{newer}");
        Assert.Contains("social_security register (sample)", row, StringComparison.Ordinal);
        Assert.Contains($"<td>{license}</td>", row, StringComparison.Ordinal);
        Assert.Contains("held until it ends", row, StringComparison.Ordinal);

        await using var auditor = await world.StartPortalAsync(world.AuditorKeyHex, world.NewWorkDirectory());
        using var other = new PortalHttp(auditor);
        await other.SignInAsync(auditor.LoginUri);
        Assert.DoesNotContain($"data-testid=\"job-{newer}\"", await other.PageAsync(Path), StringComparison.Ordinal);
    }

    /// <summary>Submits a job on chain that no node is asked to run, so it stays pending.</summary>
    private async Task<ulong> SubmitStuckAsync(ulong license)
    {
        var query = new AggregateQuery { DatasetId = NodeWorld.Social };
        query.GroupBy.Add("month");
        query.Measures.Add(new Measure { Function = MeasureFunction.Count });
        var spec = new JobSpec { Kind = Protos.V1.ComputationKind.Aggregate, Aggregate = query }.ToByteArray();
        return await world.Enterprise.Jobs.SubmitAsync(license, ComputationKind.Aggregate, spec, Epsilon.Zero);
    }
}
