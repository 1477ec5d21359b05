using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Portal.Tests.Worlds;
using static DataTrust.Portal.Tests.EnterpriseLicensesTests;

namespace DataTrust.Portal.Tests;

/// <summary>The query builder and the result page against real nodes: Explain, submit, run, verify, refusals.</summary>
public sealed class EnterpriseQueryTests(NodeWorld world) : IClassFixture<NodeWorld>
{
    [Fact]
    public async Task Explain_shows_the_groups_a_tiny_group_would_withhold_and_sends_nothing()
    {
        var license = await world.GrantAsync(NodeWorld.Social);
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var path = $"/enterprise/query?license={license}";
        var jobs = await world.Authority.Jobs.GetJobCountAsync();
        using var response = await http.SubmitAsync(path, await http.PageAsync(path), "explain",
            [new("Measure", "COUNT"), new("GroupBy", "month"), new("FilterColumn", "insured_headcount"), new("FilterOperator", "GE"), new("FilterValue", "300"), new("Epsilon", "")]);
        var html = await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain("data-testid=\"refusal\"", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"explain\" data-allowed=\"true\"", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"explain-withheld\"", html, StringComparison.Ordinal);
        Assert.Matches("would withhold [1-9][0-9]* of its [0-9]+ cells", html);
        Assert.Contains("class=\"withheld-group\"", html, StringComparison.Ordinal);
        Assert.Equal(jobs, await world.Authority.Jobs.GetJobCountAsync());
        Assert.Equal(20u, (await world.Authority.Licenses.GetLicenseAsync(license)).QuotaRemaining);
    }

    [Fact]
    public async Task The_builder_starts_with_the_row_count_ticked_and_nothing_else()
    {
        var license = await world.GrantAsync(NodeWorld.Social);
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);

        var html = await http.PageAsync($"/enterprise/query?license={license}");

        Assert.Matches("<input type=\"checkbox\" id=\"m-count\" name=\"Measure\" value=\"COUNT\" checked", html);
        Assert.DoesNotMatch("name=\"Measure\" value=\"[A-Z]+:[^\"]*\" checked", html);
        Assert.DoesNotMatch("name=\"GroupBy\" value=\"[^\"]*\" checked", html);
    }

    [Fact]
    public async Task The_live_Explain_endpoint_answers_what_the_form_post_answers_and_needs_a_session()
    {
        var license = await world.GrantAsync(NodeWorld.Social);
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var url = $"/enterprise/explain?license={license}&Measure=COUNT&GroupBy=month&FilterColumn=insured_headcount&FilterOperator=GE&FilterValue=300";
        var jobs = await world.Authority.Jobs.GetJobCountAsync();
        using var response = await http.GetAsync(url);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(json.RootElement.GetProperty("allowed").GetBoolean());
        Assert.True(json.RootElement.GetProperty("withheld").GetInt32() > 0);
        Assert.Contains("data-testid=\"explain-withheld\"", json.RootElement.GetProperty("html").GetString(), StringComparison.Ordinal);

        using var refused = await http.GetAsync($"/enterprise/explain?license={license}&GroupBy=month");
        using var refusal = System.Text.Json.JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Contains("choose at least one measure", refusal.RootElement.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(jobs, await world.Authority.Jobs.GetJobCountAsync());

        using var anonymous = new PortalHttp(host);
        using var denied = await anonymous.GetAsync(url);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, denied.StatusCode);
    }

    [Fact]
    public async Task A_submitted_job_completes_and_its_result_page_shows_the_verified_badge_with_the_chains_hash()
    {
        var license = await world.GrantAsync(NodeWorld.Social);
        var work = world.NewWorkDirectory();
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, work);
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var path = $"/enterprise/query?license={license}";
        var jobs = await world.Authority.Jobs.GetJobCountAsync();
        using var response = await http.SubmitAsync(path, await http.PageAsync(path), "submit",
            [new("Measure", "COUNT"), new("Measure", "SUM:contribution_base_total"), new("GroupBy", "month"), new("Epsilon", "")]);
        var html = await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain("data-testid=\"refusal\"", html, StringComparison.Ordinal);
        var jobId = jobs + 1;
        Assert.Contains($"href=\"/enterprise/jobs/{jobId}\"", html, StringComparison.Ordinal);
        var job = await world.Authority.Jobs.GetJobAsync(jobId);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(host.Account.Address, job.Submitter);
        Assert.True(File.Exists(Path.Combine(work.FullName, "results", $"job-{jobId}.json")));

        var result = await http.PageAsync($"/enterprise/jobs/{jobId}");
        Assert.Contains("data-testid=\"verified-badge\"", result, StringComparison.Ordinal);
        Assert.Contains($"data-testid=\"result-hash\">{job.ResultHash}<", result, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"result-table\"", result, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"result-chart\"", result, StringComparison.Ordinal);
        Assert.Contains("&quot;aria&quot;:{&quot;enabled&quot;:true}", result, StringComparison.Ordinal);
        Assert.Contains("Read from the kept result file", result, StringComparison.Ordinal);

        var list = Row(await http.PageAsync("/enterprise/jobs"), $"job-{jobId}");
        Assert.Contains("completed", list, StringComparison.Ordinal);
        Assert.Contains("charged", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_result_streamed_from_the_node_marks_its_withheld_cells()
    {
        var license = await world.GrantAsync(NodeWorld.Social);
        var query = new Protos.V1.AggregateQuery { DatasetId = NodeWorld.Social };
        query.GroupBy.Add("month");
        query.Measures.Add(new Protos.V1.Measure { Function = Protos.V1.MeasureFunction.Count });
        var filter = new Protos.V1.Filter { Column = "insured_headcount", Operator = Protos.V1.FilterOperator.Ge };
        filter.Values.Add(new Protos.V1.Value { IntValue = 300 });
        query.Filters.Add(filter);
        var spec = new Protos.V1.JobSpec { Kind = Protos.V1.ComputationKind.Aggregate, Aggregate = query };
        var jobId = await world.Enterprise.Jobs.SubmitAsync(license, ComputationKind.Aggregate, Google.Protobuf.MessageExtensions.ToByteArray(spec), Epsilon.Zero);
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);

        var html = await http.PageAsync($"/enterprise/jobs/{jobId}");
        Assert.Contains("data-testid=\"verified-badge\"", html, StringComparison.Ordinal);
        Assert.Contains("Streamed from the node now", html, StringComparison.Ordinal);
        Assert.Contains("<td class=\"withheld\">withheld (", html, StringComparison.Ordinal);
        var job = await world.Authority.Jobs.GetJobAsync(jobId);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Contains(job.ResultHash.ToString(), html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_noisy_job_on_SENSITIVE_data_spends_its_epsilon_and_is_verified()
    {
        var license = await world.GrantAsync(NodeWorld.Tax);
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var path = $"/enterprise/query?license={license}";
        using var response = await http.SubmitAsync(path, await http.PageAsync(path), "submit",
            [new("Measure", "COUNT"), new("Measure", "SUM:tax_paid"), new("GroupBy", "year"), new("Epsilon", "0.5")]);
        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("data-testid=\"refusal\"", html, StringComparison.Ordinal);
        var remaining = (await world.Authority.Licenses.GetLicenseAsync(license)).EpsilonRemaining;
        Assert.Equal(Epsilon.Parse("1.5"), remaining);
        var jobId = await world.Authority.Jobs.GetJobCountAsync();
        var result = await http.PageAsync($"/enterprise/jobs/{jobId}");
        Assert.Contains("data-testid=\"verified-badge\"", result, StringComparison.Ordinal);
        Assert.Contains("with noise (ε 0.500000)", result, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submitting_under_a_revoked_license_shows_the_decoded_LicenseRevoked_refusal()
    {
        var license = await world.GrantAsync(NodeWorld.Social);
        await world.Operator.Licenses.RevokeAsync(license, "purpose review");
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var path = $"/enterprise/query?license={license}";
        var jobs = await world.Authority.Jobs.GetJobCountAsync();
        using var response = await http.SubmitAsync(path, await http.PageAsync(path), "submit",
            [new("Measure", "COUNT"), new("GroupBy", "month"), new("Epsilon", "")]);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("data-testid=\"refusal\"", html, StringComparison.Ordinal);
        Assert.Contains("LicenseRevoked", html, StringComparison.Ordinal);
        Assert.Equal(jobs, await world.Authority.Jobs.GetJobCountAsync());
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/")).StatusCode);
    }

    [Theory]
    [InlineData("Epsilon", "-1", "is not a number from 0 to 2.000000")]
    [InlineData("Epsilon", "9", "above the license's remaining ε 2.000000")]
    [InlineData("Epsilon", "0.0000001", "at most six decimals")]
    [InlineData("Measure", "SUM:salary", "has no column 'salary' (field Measure)")]
    [InlineData("GroupBy", "nope", "has no column 'nope' (field GroupBy)")]
    [InlineData("GroupBy", "uscc", "column 'uscc' may not be used in GROUP BY")]
    [InlineData("Measure", "", "choose at least one measure")]
    [InlineData("FilterValue", "many", "'many' is not a value of column 'insured_headcount'")]
    public async Task A_field_out_of_range_is_refused_with_a_clear_message_and_nothing_is_sent(string field, string value, string message)
    {
        var license = await world.GrantAsync(NodeWorld.Social);
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var path = $"/enterprise/query?license={license}";
        var fields = new Dictionary<string, string> { ["Measure"] = "COUNT", ["GroupBy"] = "month", ["Epsilon"] = "" };
        if (field == "FilterValue")
        {
            fields["FilterColumn"] = "insured_headcount";
            fields["FilterOperator"] = "GE";
        }

        if (value.Length == 0)
        {
            fields.Remove(field);
        }
        else
        {
            fields[field] = value;
        }

        var jobs = await world.Authority.Jobs.GetJobCountAsync();
        foreach (var form in new[] { "submit", "explain" })
        {
            using var response = await http.SubmitAsync(path, await http.PageAsync(path), form, fields);
            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains("data-testid=\"refusal\"", html, StringComparison.Ordinal);
            Assert.Contains(message, System.Net.WebUtility.HtmlDecode(html), StringComparison.Ordinal);
            Assert.Contains("Nothing was sent", html, StringComparison.Ordinal);
            Assert.DoesNotContain("data-testid=\"explain\"", html, StringComparison.Ordinal);
        }

        Assert.Equal(jobs, await world.Authority.Jobs.GetJobCountAsync());
        Assert.Equal(20u, (await world.Authority.Licenses.GetLicenseAsync(license)).QuotaRemaining);
    }

    [Fact]
    public async Task An_exact_answer_on_SENSITIVE_data_is_refused_before_sending()
    {
        var license = await world.GrantAsync(NodeWorld.Tax);
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var path = $"/enterprise/query?license={license}";
        var jobs = await world.Authority.Jobs.GetJobCountAsync();
        using var response = await http.SubmitAsync(path, await http.PageAsync(path), "submit", [new("Measure", "COUNT"), new("Epsilon", "0")]);
        Assert.Contains("the dataset is SENSITIVE, so every answer is noisy", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(jobs, await world.Authority.Jobs.GetJobCountAsync());
    }

    [Fact]
    public async Task An_operator_portal_posting_the_enterprises_submit_form_is_refused_by_role_and_nothing_is_sent()
    {
        var license = await world.GrantAsync(NodeWorld.Social);
        await using var host = await world.StartPortalAsync(world.OperatorKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var path = $"/enterprise/query?license={license}";
        var page = await http.PageAsync(path);
        Assert.Contains("data-testid=\"role-refusal\"", page, StringComparison.Ordinal);
        var jobs = await world.Authority.Jobs.GetJobCountAsync();
        using var response = await http.SubmitAsync(path, page, "submit", [new("Measure", "COUNT"), new("GroupBy", "month"), new("Epsilon", "")]);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("only an enterprise (data user) may take this action", html, StringComparison.Ordinal);
        Assert.Equal(jobs, await world.Authority.Jobs.GetJobCountAsync());
    }

    [Fact]
    public async Task Another_enterprises_job_result_is_refused()
    {
        var (_, stranger) = await world.NewFundedKeyAsync();
        await world.Authority.Participants.AdmitAsync(stranger.Address, Role.Enterprise, "Another company", "91330100MA2X7Y8Q1" + DataTrust.Core.Identity.UnifiedSocialCreditCode.ComputeCheckCharacter("91330100MA2X7Y8Q1"));
        var other = DataTrustLedger.Bind(world.Rpc, world.Deployment, stranger);
        var license = await world.GrantAsync(NodeWorld.Social, licensee: other);
        var query = new Protos.V1.AggregateQuery { DatasetId = NodeWorld.Social };
        query.Measures.Add(new Protos.V1.Measure { Function = Protos.V1.MeasureFunction.Count });
        var spec = new Protos.V1.JobSpec { Kind = Protos.V1.ComputationKind.Aggregate, Aggregate = query };
        var jobId = await other.Jobs.SubmitAsync(license, ComputationKind.Aggregate, Google.Protobuf.MessageExtensions.ToByteArray(spec), Epsilon.Zero);
        await using var host = await world.StartPortalAsync(world.EnterpriseKeyHex, world.NewWorkDirectory());
        using var http = new PortalHttp(host);
        await http.SignInAsync(host.LoginUri);
        var html = await http.PageAsync($"/enterprise/jobs/{jobId}");
        Assert.Contains("was not submitted by this account", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-testid=\"verified-badge\"", html, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Pending, (await world.Authority.Jobs.GetJobAsync(jobId)).Status);
    }
}
