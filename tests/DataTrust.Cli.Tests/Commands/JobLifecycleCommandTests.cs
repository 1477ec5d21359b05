using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Keystore;

namespace DataTrust.Cli.Tests.Commands;

/// <summary>The job lifecycle from the enterprise's side: the id as soon as a job is on chain, resuming, listing, cancelling.</summary>
[Collection(OpenDataCliCollection.Name)]
public sealed partial class JobLifecycleCommandTests(OpenDataCliFixture fixture)
{
    private const string CountByDistrict = """{"datasetId": "market_register", "groupBy": ["district"], "measures": [{"function": "COUNT"}]}""";

    [Fact]
    public async Task Submit_with_the_node_down_prints_the_job_id_before_contacting_it_and_the_command_that_resumes_it()
    {
        // Arrange: the node's endpoint on chain points at a closed port.
        var query = fixture.WriteFile("q.json", CountByDistrict);
        using var rpc = new Ledger.Rpc.JsonRpcClient(new Uri(fixture.Rpc));
        using var nodeKey = Keystore.Load(fixture.NodeKey, CliFixture.Password);
        var node = await DataTrustLedger.ConnectAsync(rpc, Deployment.Load(fixture.DeploymentFile), nodeKey);
        CliRun run;
        await node.Participants.UpdateNodeEndpointAsync("http://127.0.0.1:9");
        try
        {
            // Act
            run = await fixture.RunAsync(fixture.As(fixture.EnterpriseKey, "enterprise", "submit", "--no-explain", "--query", query));
        }
        finally
        {
            await node.Participants.UpdateNodeEndpointAsync(fixture.NodeEndpoint.ToString());
        }

        // Assert: the id was printed before the node was tried, the error names it and the resume command, it is pending.
        Assert.Equal(CliApp.Failed, run.Exit);
        var jobId = ulong.Parse(OnChainLine().Match(run.Out).Groups[1].Value, CultureInfo.InvariantCulture);
        var error = Assert.Single(run.ErrorLines);
        Assert.Contains("cannot be reached", error, StringComparison.Ordinal);
        Assert.Contains($"Job {jobId} is on chain and still pending; resume it with 'datatrust enterprise result --job {jobId}'", error, StringComparison.Ordinal);
        Assert.Equal(JobStatus.Pending, (await fixture.Ledger.Jobs.GetJobAsync(jobId)).Status);

        // The command it names resumes the job once the node is back. The test sent the endpoint changes from the node's
        // account behind the node's back, so its first commit may meet a stale nonce: it then says to retry, as it does.
        string[] resume = fixture.As(fixture.EnterpriseKey, "enterprise", "result", "--job", Id(jobId), "--out", Path.Combine(fixture.NewFolder(), "r.json"));
        var resumed = await fixture.RunAsync(resume);
        if (resumed.Exit == CliApp.Refused && resumed.Error.Contains("ERROR_REASON_CHAIN_UNAVAILABLE", StringComparison.Ordinal))
        {
            resumed = await fixture.RunAsync(resume);
        }

        Assert.True(resumed.Exit == CliApp.Ok, resumed.Error);
        Assert.Equal(JobStatus.Completed, (await fixture.Ledger.Jobs.GetJobAsync(jobId)).Status);
    }

    [Fact]
    public async Task Jobs_lists_the_accounts_jobs_with_state_and_reason_and_the_cancel_command_once_pending_past_the_deadline()
    {
        // Arrange: one completed, one failed by the node (an unknown column), one left pending.
        var completed = await SubmitAsync(CountByDistrict, "--json");
        var failedRun = await fixture.RunAsync(fixture.As(fixture.EnterpriseKey, "enterprise", "submit", "--no-explain", "--query",
            fixture.WriteFile("bad.json", """{"datasetId": "market_register", "groupBy": ["no_such_column"], "measures": [{"function": "COUNT"}]}""")));
        Assert.Equal(CliApp.Refused, failedRun.Exit);
        var failed = await fixture.Ledger.Jobs.GetJobCountAsync();
        Assert.Equal(JobStatus.Failed, (await fixture.Ledger.Jobs.GetJobAsync(failed)).Status);
        var pending = await SubmitAsync(CountByDistrict, "--no-run", "--json");

        // Act
        var listed = await ListAsync();

        // Assert
        Assert.Equal("Completed", listed[completed].GetProperty("state").GetString());
        Assert.Equal("Failed", listed[failed].GetProperty("state").GetString());
        Assert.Contains("ERROR_REASON_UNKNOWN_COLUMN", listed[failed].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("market_register", listed[failed].GetProperty("dataset").GetString());
        Assert.Equal("Pending", listed[pending].GetProperty("state").GetString());
        Assert.False(listed[pending].GetProperty("cancellable").GetBoolean());
        Assert.All(listed.Values, j => Assert.Equal("aggregate", j.GetProperty("kind").GetString()));

        // Past the deadline, the pending job shows the command that cancels it, and that command does.
        using (var chain = fixture.Chain.CreateClient())
        {
            await chain.CallAsync("evm_increaseTime", [3601]);
            await chain.CallAsync("evm_mine", []);
        }

        var onlyPending = await ListAsync("--state", "pending");
        Assert.All(onlyPending.Values, j => Assert.Equal("Pending", j.GetProperty("state").GetString()));
        Assert.DoesNotContain(completed, onlyPending.Keys);
        Assert.Equal($"datatrust enterprise cancel --job {pending}", onlyPending[pending].GetProperty("cancel").GetString());
        var table = await fixture.MustAsync(fixture.As(fixture.EnterpriseKey, "enterprise", "jobs", "--state", "pending", "--state", "failed"));
        Assert.Contains($"cancel it with 'datatrust enterprise cancel --job {pending}'", table.Out, StringComparison.Ordinal);
        Assert.Contains("failed by the node: ERROR_REASON_UNKNOWN_COLUMN", table.Out, StringComparison.Ordinal);

        await fixture.MustAsync(fixture.As(fixture.EnterpriseKey, "enterprise", "cancel", "--job", Id(pending)));
        Assert.Equal(JobStatus.Cancelled, (await fixture.Ledger.Jobs.GetJobAsync(pending)).Status);
        Assert.Equal("Cancelled", (await ListAsync())[pending].GetProperty("state").GetString());
    }

    [Fact]
    public async Task Cancel_of_a_completed_job_is_refused_decoded_and_changes_nothing()
    {
        var completed = await SubmitAsync(CountByDistrict, "--json");

        var run = await fixture.RunAsync(fixture.As(fixture.EnterpriseKey, "enterprise", "cancel", "--job", Id(completed)));

        Assert.Equal(CliApp.Refused, run.Exit);
        Assert.Contains("JobNotPending", Assert.Single(run.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(JobStatus.Completed, (await fixture.Ledger.Jobs.GetJobAsync(completed)).Status);
    }

    [Fact]
    public async Task Jobs_with_an_unknown_state_is_refused_by_the_parser()
    {
        var run = await fixture.RunAsync(fixture.As(fixture.EnterpriseKey, "enterprise", "jobs", "--state", "stuck"));

        Assert.NotEqual(CliApp.Ok, run.Exit);
        Assert.Contains("stuck", run.Error, StringComparison.Ordinal);
    }

    private async Task<ulong> SubmitAsync(string query, params string[] extra)
    {
        var run = await fixture.MustAsync(fixture.As(fixture.EnterpriseKey, ["enterprise", "submit", "--query", fixture.WriteFile("q.json", query), "--out", Path.Combine(fixture.NewFolder(), "r.json"), .. extra]));
        return JsonDocument.Parse(run.Out).RootElement.GetProperty("jobId").GetUInt64();
    }

    private async Task<Dictionary<ulong, JsonElement>> ListAsync(params string[] extra)
    {
        var run = await fixture.MustAsync(fixture.As(fixture.EnterpriseKey, ["enterprise", "jobs", "--json", .. extra]));
        return JsonDocument.Parse(run.Out).RootElement.EnumerateArray().ToDictionary(j => j.GetProperty("jobId").GetUInt64(), j => j.Clone());
    }

    private static string Id(ulong id) => id.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"job (\d+) is on chain")]
    private static partial Regex OnChainLine();
}
