using System.Globalization;
using System.Text.Json;
using DataTrust.Client.Jobs;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Keystore;
using DataTrust.Protos.V1;

namespace DataTrust.Cli.Tests.Commands;

/// <summary>
/// Open jobs (开放尽开放) from the command line and from <see cref="JobClient"/>, against a real anvil and a real node:
/// <c>enterprise submit</c> without <c>--license</c> by an enterprise that holds none, and the refusals on other grades.
/// </summary>
[Collection(OpenDataCliCollection.Name)]
public sealed class OpenJobCommandTests(OpenDataCliFixture fixture)
{
    private const string CountByDistrict = """{"datasetId": "market_register", "groupBy": ["district"], "measures": [{"function": "COUNT"}]}""";

    private static string Single(CliRun run) => Assert.Single(run.ErrorLines);

    private async Task<JobClient> EnterpriseClientAsync()
    {
        var key = Keystore.Load(fixture.EnterpriseKey, CliFixture.Password);
        var ledger = await DataTrustLedger.ConnectAsync(new Ledger.Rpc.JsonRpcClient(new Uri(fixture.Rpc)), Deployment.Load(fixture.DeploymentFile), key);
        return new JobClient(ledger, key);
    }

    [Fact]
    public async Task Enterprise_submit_without_a_license_runs_an_open_job_on_an_open_dataset_and_verifies_it()
    {
        // Arrange: the enterprise holds no license at all.
        using (var connection = await ReadOnlyConnectionAsync())
        {
            Assert.Empty(await Client.Lookups.LicensesAsync(connection, l => Task.FromResult(l.Licensee == fixture.Enterprise), CancellationToken.None));
        }

        var query = fixture.WriteFile("open.json", CountByDistrict);
        var resultFile = Path.Combine(fixture.NewFolder(), "result.json");

        // Act
        var run = await fixture.RunAsync(fixture.As(fixture.EnterpriseKey, "enterprise", "submit", "--query", query, "--out", resultFile, "--json"));

        // Assert: exact counts, completed on chain under license 0, result file checked against the chain.
        Assert.True(run.Exit == CliApp.Ok, run.Error);
        using var json = JsonDocument.Parse(run.Out);
        var jobId = json.RootElement.GetProperty("jobId").GetUInt64();
        var job = await fixture.Ledger.Jobs.GetJobAsync(jobId);
        Assert.Equal(0UL, job.LicenseId);
        Assert.Equal(fixture.Enterprise, job.Submitter);
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal(job.ResultHash.ToString(), json.RootElement.GetProperty("resultHash").GetString());
        Assert.True(File.Exists(resultFile));
        var counts = json.RootElement.GetProperty("rows").EnumerateArray().Sum(r => long.Parse(r.GetProperty("cells")[0].GetProperty("value").GetProperty("intValue").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(OpenDataCliFixture.Rows, counts);
    }

    [Theory]
    [InlineData(OpenDataCliFixture.Restricted, "RESTRICTED")]
    [InlineData(OpenDataCliFixture.Sensitive, "SENSITIVE")]
    public async Task Enterprise_submit_without_a_license_on_a_dataset_that_is_not_open_says_a_license_is_needed_and_how_to_request_one(string datasetId, string grade)
    {
        var query = fixture.WriteFile("q.json", $$"""{"datasetId": "{{datasetId}}", "measures": [{"function": "COUNT"}], "epsilonMicros": "500000"}""");
        var before = await fixture.Ledger.Jobs.GetJobCountAsync();

        var run = await fixture.RunAsync(fixture.As(fixture.EnterpriseKey, "enterprise", "submit", "--query", query));

        Assert.Equal(CliApp.Failed, run.Exit);
        var line = Single(run);
        Assert.Contains($"is {grade}, not OPEN, so a job on it needs a license", line, StringComparison.Ordinal);
        Assert.Contains($"datatrust enterprise request --dataset {datasetId} --purpose", line, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Ledger.Jobs.GetJobCountAsync());
    }

    [Fact]
    public async Task Enterprise_submit_without_a_license_that_spends_epsilon_is_refused_before_anything_is_sent()
    {
        var query = fixture.WriteFile("open.json", CountByDistrict);
        var before = await fixture.Ledger.Jobs.GetJobCountAsync();

        var run = await fixture.RunAsync(fixture.As(fixture.EnterpriseKey, "enterprise", "submit", "--query", query, "--epsilon", "0.5"));

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains("an open job spends no ε", Single(run), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Ledger.Jobs.GetJobCountAsync());
    }

    [Fact]
    public async Task Enterprise_submit_of_a_homomorphic_kind_without_a_license_asks_for_one()
    {
        var query = fixture.WriteFile("he.json", """{"dataset": "market_register", "groupBy": ["district"]}""");

        var run = await fixture.RunAsync(fixture.As(fixture.EnterpriseKey, "enterprise", "submit", "--kind", "he-weighted-aggregate", "--query", query));

        Assert.Equal(CliApp.Failed, run.Exit);
        Assert.Contains("runs under a license: give --license", Single(run), StringComparison.Ordinal);
    }

    [Fact]
    public async Task JobClient_runs_an_open_job_without_a_license_and_verifies_it_like_any_job()
    {
        using var client = await EnterpriseClientAsync();
        var query = QueryFile.Parse(CountByDistrict);

        var explain = await client.ExplainOpenAsync(query, CancellationToken.None);
        var verified = await client.RunOpenAsync(query, CancellationToken.None);

        Assert.True(explain.Allowed, explain.Clause);
        Assert.Equal(fixture.Node, verified.Node);
        Assert.Equal(OpenDataCliFixture.Rows, verified.Result.Rows.Sum(r => r.Cells[0].Value.IntValue));
        var job = await fixture.Ledger.Jobs.GetJobAsync(verified.JobId);
        Assert.Equal((0UL, JobStatus.Completed, verified.ResultHash), (job.LicenseId, job.Status, job.ResultHash));
    }

    [Fact]
    public async Task JobClient_run_with_a_query_that_is_not_the_jobs_spec_is_refused_and_leaves_the_job_pending_to_run_with_its_own()
    {
        using var client = await EnterpriseClientAsync();
        var query = QueryFile.Parse(CountByDistrict);
        var other = QueryFile.Parse("""{"datasetId": "market_register", "measures": [{"function": "COUNT"}]}""");
        var jobId = await client.SubmitOpenAsync(query, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<NodeRefusedException>(() => client.RunAsync(jobId, other, CancellationToken.None));
        var pending = await fixture.Ledger.Jobs.GetJobAsync(jobId);
        var verified = await client.RunAsync(jobId, query, CancellationToken.None);

        Assert.Equal(("ERROR_REASON_SPEC_HASH_MISMATCH", Grpc.Core.StatusCode.FailedPrecondition), (refused.Reason, refused.Code));
        Assert.Equal(JobStatus.Pending, pending.Status);
        Assert.Equal(OpenDataCliFixture.Rows, verified.Result.Rows.Sum(r => r.Cells[0].Value.IntValue));
        Assert.Equal((JobStatus.Completed, verified.ResultHash), ((await fixture.Ledger.Jobs.GetJobAsync(jobId)).Status, (await fixture.Ledger.Jobs.GetJobAsync(jobId)).ResultHash));
    }

    [Fact]
    public async Task JobClient_open_explain_on_a_restricted_dataset_is_refused_as_NOT_OPEN()
    {
        using var client = await EnterpriseClientAsync();

        var explain = await client.ExplainOpenAsync(QueryFile.Parse("""{"datasetId": "social_security", "measures": [{"function": "COUNT"}]}"""), CancellationToken.None);

        Assert.False(explain.Allowed);
        Assert.Equal(ErrorReason.NotOpen, explain.Reason);
    }

    [Fact]
    public async Task An_open_job_on_a_restricted_dataset_is_refused_by_the_ledger_with_the_decoded_NotOpen_error()
    {
        // Arrange: past the CLI's own check (as if the grade were raised between the check and the submission).
        using var client = await EnterpriseClientAsync();
        var query = QueryFile.Parse("""{"datasetId": "social_security", "measures": [{"function": "COUNT"}]}""");
        var before = await fixture.Ledger.Jobs.GetJobCountAsync();

        // Act
        var ex = await Assert.ThrowsAsync<ContractRevertedException>(() => client.SubmitOpenAsync(query, CancellationToken.None));
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await CliApp.GuardAsync(CliFixture.Environment(output, error), async () =>
        {
            await client.SubmitOpenAsync(query, CancellationToken.None);
            return CliApp.Ok;
        });

        // Assert
        Assert.Equal("NotOpen", ex.ErrorName);
        Assert.Equal(DatasetIds.OnChainId("social_security"), ex.Error.Arguments.GetHash32("datasetId"));
        Assert.Equal((int)ProtectionGrade.Restricted, (int)ex.Error.Arguments.GetBigInteger("grade"));
        Assert.Equal(CliApp.Refused, exit);
        Assert.StartsWith($"refused: NotOpen(datasetId: {DatasetIds.OnChainId("social_security")}, grade: 2)", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Ledger.Jobs.GetJobCountAsync());
    }

    private async Task<Client.ChainConnection> ReadOnlyConnectionAsync()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        return await Common.Connections.OpenAsync(CliFixture.Environment(output, error), new Uri(fixture.Rpc), new FileInfo(fixture.DeploymentFile), null);
    }
}
