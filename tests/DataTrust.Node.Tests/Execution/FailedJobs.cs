using DataTrust.Ledger.Contracts;

namespace DataTrust.Node.Tests.Execution;

/// <summary>Assertions on how a refused job is closed on chain (DESIGN.md, Job lifecycle).</summary>
internal static class FailedJobs
{
    /// <summary>
    /// Asserts the job is Failed on chain with exactly one JobFailed event, whose reason is <paramref name="reason"/> at
    /// <paramref name="field"/> (and names nothing else); returns the reason text.
    /// </summary>
    public static async Task<string> AssertFailedAsync(DataTrustLedger ledger, ulong jobId, string reason, string field)
    {
        var job = await ledger.Jobs.GetJobAsync(jobId);
        Assert.Equal(JobStatus.Failed, job.Status);
        var events = await ledger.Jobs.GetEventsAsync(job.SubmittedBlock, job.FinishedBlock);
        var failed = Assert.Single(events, e => e.Name == "JobFailed" && e.Values.GetUInt64("jobId") == jobId);
        var text = failed.Values.GetString("reason");
        Assert.Equal($"{reason} at {field}", text);
        return text;
    }
}
