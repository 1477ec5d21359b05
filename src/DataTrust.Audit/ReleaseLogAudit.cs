using DataTrust.Core.Execution;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Audit;

/// <summary>A node's release log and the node account it belongs to.</summary>
/// <param name="Path">The release log file (<c>release.log</c> in the node's data directory).</param>
/// <param name="Node">The node account.</param>
public sealed record ReleaseLogInput(string Path, Address Node);

/// <summary>
/// The auditor's check of node release logs against the chain (issue 12): each release entry names an ENCLAVE_JOIN job
/// on chain that includes the released dataset, held by that node; the quote it was sealed to was recorded on chain no
/// later than the block the node checked it at (so before any row left), and is the quote the job was completed with; and
/// every completed join has a release from each of its datasets' nodes whose log is given. Reads only.
/// </summary>
public static class ReleaseLogAudit
{
    /// <summary>Name of the release log check.</summary>
    public const string Name = "release-logs";

    /// <summary>Checks <paramref name="logs"/> against the chain up to <paramref name="toBlock"/>.</summary>
    /// <exception cref="Ledger.Rpc.RpcException">The chain cannot be read.</exception>
    public static async Task<AuditCheck> CheckAsync(DataTrustLedger ledger, IReadOnlyList<ReleaseLogInput> logs, ulong toBlock, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(logs);
        var from = ledger.Deployment.DeploymentBlock;
        var joins = new Dictionary<ulong, (IReadOnlyList<Hash32> Datasets, ulong Block)>();
        var completedWith = new Dictionary<ulong, (ulong QuoteId, ulong Block)>();
        foreach (var e in await ledger.Jobs.GetEventsAsync(from, toBlock, cancellationToken).ConfigureAwait(false))
        {
            switch (e.Name)
            {
                case "JoinSubmitted":
                    joins[e.Values.GetUInt64("jobId")] = ([.. e.Values.GetList("datasetIds").Select(ToHash)], e.BlockNumber);
                    break;
                case "JoinCompleted":
                    completedWith[e.Values.GetUInt64("jobId")] = (e.Values.GetUInt64("quoteId"), e.BlockNumber);
                    break;
            }
        }

        var quotes = new Dictionary<ulong, ulong>();
        foreach (var e in await ledger.Enclaves.GetEventsAsync(from, toBlock, cancellationToken).ConfigureAwait(false))
        {
            if (e.Name == "QuoteRecorded")
            {
                quotes[e.Values.GetUInt64("quoteId")] = e.BlockNumber;
            }
        }

        var nodes = new Dictionary<Hash32, Address>();
        async Task<Address> NodeOf(Hash32 dataset)
        {
            if (!nodes.TryGetValue(dataset, out var node))
            {
                node = (await ledger.Catalog.GetDatasetAsync(dataset, cancellationToken).ConfigureAwait(false)).Spec.Node;
                nodes[dataset] = node;
            }

            return node;
        }

        var findings = new List<AuditFinding>();
        var checkedEntries = 0;
        var released = new HashSet<(ulong JobId, Hash32 Dataset)>();
        foreach (var log in logs)
        {
            var name = Path.GetFileName(log.Path);
            var verification = ReleaseLogFormat.Verify(log.Path);
            if (verification.Problem is { } problem)
            {
                findings.Add(new AuditFinding($"Release log {name} of node {log.Node} is broken: {problem}."));
            }

            foreach (var entry in verification.Entries)
            {
                checkedEntries++;
                var dataset = DatasetIds.OnChainId(entry.DatasetId);
                if (!joins.TryGetValue(entry.JobId, out var join))
                {
                    findings.Add(new AuditFinding($"Release log {name} of node {log.Node} records a release of '{entry.DatasetId}' for job {entry.JobId}, which is not an ENCLAVE_JOIN job on chain.", entry.JobId, Block: entry.Block));
                    continue;
                }

                if (!join.Datasets.Contains(dataset))
                {
                    findings.Add(new AuditFinding($"Release log {name} records a release of '{entry.DatasetId}' for join {entry.JobId}, which does not include that dataset.", entry.JobId, Block: entry.Block));
                    continue;
                }

                if (await NodeOf(dataset).ConfigureAwait(false) != log.Node)
                {
                    findings.Add(new AuditFinding($"Release log {name} of node {log.Node} records a release of '{entry.DatasetId}', which that node does not hold in the catalog.", entry.JobId, Block: entry.Block));
                    continue;
                }

                released.Add((entry.JobId, dataset));
                if (!quotes.TryGetValue(entry.QuoteId, out var recorded))
                {
                    findings.Add(new AuditFinding($"Release log {name} records rows of '{entry.DatasetId}' sealed to quote {entry.QuoteId} for join {entry.JobId}, but no such quote was recorded on chain.", entry.JobId, Block: entry.Block));
                }
                else if (recorded > entry.Block || entry.Block < join.Block)
                {
                    findings.Add(new AuditFinding($"Release log {name} records a release for join {entry.JobId} checked at block {entry.Block}, but quote {entry.QuoteId} was recorded at block {recorded} and the join submitted at block {join.Block}: the node released before both were on chain.", entry.JobId, Block: entry.Block));
                }

                if (completedWith.TryGetValue(entry.JobId, out var completion) && completion.QuoteId != entry.QuoteId)
                {
                    findings.Add(new AuditFinding($"Release log {name} records rows of '{entry.DatasetId}' sealed to quote {entry.QuoteId} for join {entry.JobId}, but the join was completed with quote {completion.QuoteId}.", entry.JobId, Block: completion.Block));
                }
            }
        }

        // Every completed join has a release from each dataset's node, for the nodes whose logs were given.
        var given = logs.Select(l => l.Node).ToHashSet();
        foreach (var (jobId, completion) in completedWith.OrderBy(c => c.Key))
        {
            if (!joins.TryGetValue(jobId, out var join))
            {
                continue;
            }

            foreach (var dataset in join.Datasets)
            {
                var node = await NodeOf(dataset).ConfigureAwait(false);
                if (given.Contains(node) && !released.Contains((jobId, dataset)))
                {
                    findings.Add(new AuditFinding($"Join {jobId} was completed on chain, but the release log of node {node} records no release of dataset {dataset} for it.", jobId, Block: completion.Block));
                }
            }
        }

        return new AuditCheck(Name, "Each node release log is an intact hash chain; every release names a join on chain that includes the dataset, held by that node, sealed to a quote recorded before the rows left and the one the join was completed with; every completed join has a release from each given node of its datasets.", checkedEntries, findings);
    }

    private static Hash32 ToHash(object? value) => value switch
    {
        Hash32 hash => hash,
        byte[] bytes => new Hash32(bytes),
        _ => throw new InvalidOperationException("A JoinSubmitted dataset id is not bytes32."),
    };
}
