using DataTrust.Faults;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Cli.Tests.Faults;

/// <summary>
/// The node, running as its own process, is killed with SIGKILL before it computes a job, after its completion
/// transaction is mined but before the requester hears back, and after it answered; restarted on the same DuckDB file,
/// result store and execution log, it lets the requester resume, never commits a job twice, and the audit passes.
/// Anvil is stopped and restarted from its state file, and the same jobs, license and results are there. The JSON-RPC
/// answers to the node's and the requester's transactions are lost on the way back, and each is still sent once.
/// </summary>
public sealed class ProcessFaultTests(FaultWorld world) : IClassFixture<FaultWorld>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private async Task<Job> JobAsync(ulong id)
    {
        using var ledger = await world.LedgerAsync();
        return await ledger.Value.Jobs.GetJobAsync(id);
    }

    private async Task<License> LicenseAsync()
    {
        using var ledger = await world.LedgerAsync();
        return await ledger.Value.Licenses.GetLicenseAsync(world.LicenseId);
    }

    [Fact]
    public async Task A_node_killed_before_it_computes_leaves_the_job_pending_and_after_a_restart_runs_it_once()
    {
        var jobId = await world.SubmitPendingAsync();
        var sent = await world.NodeTransactionsAsync();
        var quota = (await LicenseAsync()).QuotaRemaining;
        world.KillNode();

        var down = await world.ResultAsync(jobId, world.File_($"down-{jobId}.json"));

        Assert.NotEqual(CliApp.Ok, down.Exit);
        Assert.Contains("cannot be reached", down.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(JobStatus.Pending, (await JobAsync(jobId)).Status);

        await world.StartNodeAsync();
        var file = world.File_($"result-{jobId}.json");
        var resumed = await world.ResultAsync(jobId, file);

        Assert.True(resumed.Exit == CliApp.Ok, resumed.Error);
        Assert.Equal(JobStatus.Completed, (await JobAsync(jobId)).Status);
        Assert.Equal(sent + 1, await world.NodeTransactionsAsync());
        Assert.Equal(quota, (await LicenseAsync()).QuotaRemaining);
        await world.AssertAuditPassesAsync(file);
    }

    [Fact]
    public async Task A_node_killed_after_its_completion_is_mined_but_before_it_answers_hands_back_the_stored_result_and_does_not_post_again()
    {
        var jobId = await world.SubmitPendingAsync();
        var sent = await world.NodeTransactionsAsync();

        // The completion reaches anvil; its answer is held, so the node waits while the requester waits on the node.
        world.NodeRpc.OnMethod("eth_sendRawTransaction", FaultAction.ForwardThenStall);
        using var stop = new CancellationTokenSource(Patience);
        var waiting = world.ResultAsync(jobId, world.File_($"lost-{jobId}.json"), stop.Token);
        await world.NodeRpc.Fired.Task.WaitAsync(Patience);
        while ((await JobAsync(jobId)).Status == JobStatus.Pending)
        {
            await Task.Delay(50);
        }

        world.KillNode();
        var lost = await waiting;
        world.NodeRpc.Heal();

        Assert.NotEqual(CliApp.Ok, lost.Exit);
        var committed = await JobAsync(jobId);
        Assert.Equal(JobStatus.Completed, committed.Status);
        Assert.Equal(sent + 1, await world.NodeTransactionsAsync());

        await world.StartNodeAsync();
        var file = world.File_($"result-{jobId}.json");
        var resumed = await world.ResultAsync(jobId, file);

        Assert.True(resumed.Exit == CliApp.Ok, resumed.Error + "\n" + world.NodeOutput);
        Assert.Equal(committed.ResultHash, Ledger.Crypto.Keccak256.Compute(ResultBytes(file)));
        Assert.Equal(sent + 1, await world.NodeTransactionsAsync());
        await world.AssertAuditPassesAsync(file);
    }

    [Fact]
    public async Task A_node_killed_after_it_answered_hands_back_the_same_result_after_a_restart_and_sends_nothing()
    {
        var jobId = await world.SubmitPendingAsync();
        var first = world.File_($"first-{jobId}.json");
        var ran = await world.ResultAsync(jobId, first);
        Assert.True(ran.Exit == CliApp.Ok, ran.Error);
        var sent = await world.NodeTransactionsAsync();

        world.KillNode();
        await world.StartNodeAsync();
        var again = world.File_($"again-{jobId}.json");
        var fetched = await world.ResultAsync(jobId, again);

        Assert.True(fetched.Exit == CliApp.Ok, fetched.Error);
        Assert.Equal(await File.ReadAllTextAsync(first), await File.ReadAllTextAsync(again));
        Assert.Equal(sent, await world.NodeTransactionsAsync());
        await world.AssertAuditPassesAsync(first, again);
    }

    [Fact]
    public async Task Anvil_restarted_from_its_state_file_keeps_jobs_license_and_results_and_the_running_node_reconnects()
    {
        var done = await world.SubmitPendingAsync();
        var first = world.File_($"before-restart-{done}.json");
        Assert.Equal(CliApp.Ok, (await world.ResultAsync(done, first)).Exit);
        var pending = await world.SubmitPendingAsync();
        var license = await LicenseAsync();
        var completed = await JobAsync(done);
        var sent = await world.NodeTransactionsAsync();

        await world.StopChainAsync();
        var down = await world.ResultAsync(pending, world.File_($"chain-down-{pending}.json"));
        Assert.NotEqual(CliApp.Ok, down.Exit);
        await world.RestartChainAsync();

        Assert.Equal(license, await LicenseAsync());
        Assert.Equal(completed, await JobAsync(done));
        Assert.Equal(JobStatus.Pending, (await JobAsync(pending)).Status);

        // The node kept running through the outage and reaches the restarted chain on its own.
        var again = world.File_($"after-restart-{done}.json");
        Assert.Equal(CliApp.Ok, (await world.ResultAsync(done, again)).Exit);
        Assert.Equal(await File.ReadAllTextAsync(first), await File.ReadAllTextAsync(again));
        var resumedFile = world.File_($"after-restart-{pending}.json");
        var resumed = await world.ResultAsync(pending, resumedFile);
        Assert.True(resumed.Exit == CliApp.Ok, resumed.Error + "\n" + world.NodeOutput);
        Assert.Equal(JobStatus.Completed, (await JobAsync(pending)).Status);
        Assert.Equal(sent + 1, await world.NodeTransactionsAsync());
        await world.AssertAuditPassesAsync(first, again, resumedFile);
    }

    [Fact]
    public async Task A_node_whose_completion_answer_is_lost_resends_the_same_transaction_and_the_requester_gets_the_result()
    {
        var jobId = await world.SubmitPendingAsync();
        var sent = await world.NodeTransactionsAsync();
        world.NodeRpc.OnMethod("eth_sendRawTransaction", FaultAction.ForwardThenCut);

        var file = world.File_($"resent-{jobId}.json");
        var run = await world.ResultAsync(jobId, file);

        Assert.True(run.Exit == CliApp.Ok, run.Error + "\n" + world.NodeOutput);
        Assert.Equal(1, world.NodeRpc.Triggered);
        Assert.Equal(JobStatus.Completed, (await JobAsync(jobId)).Status);
        Assert.Equal(sent + 1, await world.NodeTransactionsAsync());
        await world.AssertAuditPassesAsync(file);
    }

    [Fact]
    public async Task A_submit_whose_answer_is_lost_puts_one_job_on_chain_and_charges_the_license_once()
    {
        await using var proxy = new FaultProxy(world.Chain.RpcUri);
        using var ledger = await world.LedgerAsync();
        var jobs = await ledger.Value.Jobs.GetJobCountAsync();
        var quota = (await LicenseAsync()).QuotaRemaining;
        proxy.OnMethod("eth_sendRawTransaction", FaultAction.ForwardThenCut);

        var run = await FaultWorld.RunAsync([
            "enterprise", "submit", "--license", world.LicenseId.ToString(System.Globalization.CultureInfo.InvariantCulture), "--query", world.QueryFile,
            "--epsilon", "0.1", "--no-run", "--rpc", proxy.Uri.ToString(), "--deployment", world.DeploymentFile, "--key", world.Bank]);

        Assert.True(run.Exit == CliApp.Ok, run.Error);
        Assert.Equal(1, proxy.Triggered);
        Assert.Equal(jobs + 1, await ledger.Value.Jobs.GetJobCountAsync());
        Assert.Equal(quota - 1, (await LicenseAsync()).QuotaRemaining);
        Assert.Equal(JobStatus.Pending, (await JobAsync(jobs + 1)).Status);
    }

    private static byte[] ResultBytes(string resultFile) => Client.Results.ResultFile.Load(resultFile).Result;
}
