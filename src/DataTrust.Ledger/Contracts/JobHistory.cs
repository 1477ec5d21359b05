namespace DataTrust.Ledger.Contracts;

/// <summary>A job failed on chain, as its <c>JobFailed</c> (by a node) or <c>JoinFailed</c> (by an enclave) event records it.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Node">The node account that failed it, or the enclave's address for a join an enclave failed.</param>
/// <param name="Reason">Why (never a row value).</param>
/// <param name="Refunded">Whether its quota and ε were refunded, when the event says so; null for an event without that field.</param>
/// <param name="BlockNumber">The block it was failed in.</param>
public sealed record JobFailure(ulong JobId, Address Node, string Reason, bool? Refunded, ulong BlockNumber);

/// <summary>An account's jobs and how they ended, read from the Jobs contract's events (the one place they are decoded for listings).</summary>
public static class JobHistory
{
    /// <summary>Decodes a <c>JobFailed</c> or <c>JoinFailed</c> event, or returns null for any other event.</summary>
    public static JobFailure? AsJobFailure(ContractEvent contractEvent)
    {
        ArgumentNullException.ThrowIfNull(contractEvent);
        if (contractEvent.Name is not ("JobFailed" or "JoinFailed"))
        {
            return null;
        }

        var values = contractEvent.Values;
        bool? refunded = values.Contains("refunded") ? values.Get<bool>("refunded") : null;
        var by = contractEvent.Name == "JoinFailed" ? values.GetAddress("enclave") : values.GetAddress("node");
        return new JobFailure(values.GetUInt64("jobId"), by, values.Get<string>("reason"), refunded, contractEvent.BlockNumber);
    }

    /// <summary>The ids of the jobs <paramref name="submitter"/> submitted (every kind of submission, joins included), in order, and the failures among them.</summary>
    /// <param name="jobs">The Jobs contract.</param>
    /// <param name="submitter">The account whose jobs to list.</param>
    /// <param name="fromBlock">Where to start reading (the deployment's first block).</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    public static async Task<(IReadOnlyList<ulong> JobIds, IReadOnlyDictionary<ulong, JobFailure> Failures)> GetSubmittedAsync(
        this JobsContract jobs, Address submitter, ulong fromBlock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var events = await jobs.GetEventsAsync(fromBlock, cancellationToken: cancellationToken).ConfigureAwait(false);
        var ids = new List<ulong>();
        var failures = new Dictionary<ulong, JobFailure>();
        foreach (var e in events)
        {
            if (e.Name is "JobSubmitted" or "JobSubmittedHashed" or "JoinSubmitted" && e.Values.GetAddress("submitter") == submitter)
            {
                ids.Add(e.Values.GetUInt64("jobId"));
            }
            else if (AsJobFailure(e) is { } failure)
            {
                failures[failure.JobId] = failure;
            }
        }

        var mine = ids.ToHashSet();
        return (ids, failures.Where(f => mine.Contains(f.Key)).ToDictionary(f => f.Key, f => f.Value));
    }
}
