using DataTrust.Core.Catalog;
using DataTrust.Ledger.Abi;
using System.Numerics;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Rpc;

namespace DataTrust.Portal.Indexing;

/// <summary>
/// Follows the chain for the portal: every poll reads only the new blocks' events of the six contracts (one
/// <c>eth_getLogs</c> per contract), refreshes the records those events touch with typed reads, and applies them to a
/// <see cref="ChainSnapshot"/> that pages read in memory. A page never rescans the chain; a page after an action calls
/// <see cref="CatchUpAsync"/> so it shows the action's block.
/// </summary>
public sealed class ChainIndex : IAsyncDisposable
{
    private const int ParallelReads = 8;

    private readonly DataTrustLedger _ledger;
    private readonly TimeSpan _pollInterval;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly ChainSnapshot _snapshot = new();
    private readonly SemaphoreSlim _pollGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    /// <summary>Creates an index over a bound ledger; call <see cref="Start"/> to follow the chain.</summary>
    public ChainIndex(DataTrustLedger ledger, TimeSpan pollInterval)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        _ledger = ledger;
        _pollInterval = pollInterval;
        _snapshot.ChainId = ledger.Deployment.ChainId;
    }

    /// <summary>The last error a poll met (the chain went away, say), or null after a poll that succeeded.</summary>
    public string? LastError { get; private set; }

    /// <summary>When the last poll succeeded, or null before the first.</summary>
    public DateTimeOffset? LastSuccess { get; private set; }

    /// <summary>Reads the snapshot under the index's read lock; return copies or immutable records, never the collections.</summary>
    public T Read<T>(Func<ChainSnapshot, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        _lock.EnterReadLock();
        try
        {
            return read(_snapshot);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Starts following the chain in the background (the first poll runs at once).</summary>
    public void Start() => _loop ??= Task.Run(() => LoopAsync(_stop.Token));

    /// <summary>Applies every block up to the chain's head now (waits for a poll already running).</summary>
    /// <exception cref="RpcException">The chain did not answer.</exception>
    public async Task CatchUpAsync(CancellationToken cancellationToken = default)
    {
        await _pollGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await PollAsync(cancellationToken).ConfigureAwait(false);
            LastError = null;
            LastSuccess = DateTimeOffset.UtcNow;
        }
        catch (Exception ex) when (ex is RpcException or HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            LastError = ex.Message;
            throw;
        }
        finally
        {
            _pollGate.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
        _pollGate.Dispose();
        _lock.Dispose();
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await CatchUpAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RpcException or HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                // LastError says why; the pages show it, and the next poll tries again.
            }

            await Task.Delay(_pollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task PollAsync(CancellationToken cancellationToken)
    {
        var head = await _ledger.Rpc.GetBlockNumberAsync(cancellationToken).ConfigureAwait(false);
        var indexed = Read(s => s.Block);
        var from = indexed == 0 ? _ledger.Deployment.DeploymentBlock : indexed + 1;
        if (head < from)
        {
            return;
        }

        ContractBinding[] contracts = [_ledger.Participants, _ledger.Catalog, _ledger.Licenses, _ledger.Jobs, _ledger.Consents, _ledger.Enclaves];
        var perContract = await Task.WhenAll(contracts.Select(c => c.GetEventsAsync(from, head, cancellationToken))).ConfigureAwait(false);
        var events = perContract.SelectMany(e => e).OrderBy(e => e.BlockNumber).ThenBy(e => e.LogIndex).ToList();

        var touched = Touched.From(events);
        var update = await ReadTouchedAsync(touched, cancellationToken).ConfigureAwait(false);

        _lock.EnterWriteLock();
        try
        {
            Apply(events, update, head);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private async Task<Update> ReadTouchedAsync(Touched touched, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(ParallelReads);
        async Task<T> Limited<T>(Func<Task<T>> read)
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await read().ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }

        var participants = Task.WhenAll(touched.Participants.Select(a => Limited(() => _ledger.Participants.GetParticipantAsync(a, cancellationToken))));
        var nodes = Task.WhenAll(touched.Nodes.Select(a => Limited(() => _ledger.Participants.GetNodeAsync(a, cancellationToken))));
        var datasets = Task.WhenAll(touched.Datasets.Select(id => Limited(async () => new IndexedDataset(
            await _ledger.Catalog.GetDatasetAsync(id, cancellationToken).ConfigureAwait(false),
            await _ledger.Catalog.GetPrivacyTermsAsync(id, cancellationToken).ConfigureAwait(false),
            await _ledger.Catalog.GetVersionsAsync(id, cancellationToken).ConfigureAwait(false)))));
        var requests = Task.WhenAll(touched.Requests.Select(id => Limited(() => _ledger.Licenses.GetRequestAsync(id, cancellationToken))));
        var licenses = Task.WhenAll(touched.Licenses.Select(id => Limited(() => _ledger.Licenses.GetLicenseAsync(id, cancellationToken))));
        // Jobs and block headers are the many records of a long chain: read in JSON-RPC batches, not one request each.
        var jobs = _ledger.Jobs.GetJobsAsync([.. touched.Jobs], cancellationToken);
        var consents = Task.WhenAll(touched.Consents.Select(key => Limited(() => _ledger.Consents.GetConsentAsync(key, cancellationToken))));
        var blockNumbers = touched.Blocks.ToList();
        var blocks = _ledger.Rpc.GetBlocksAsync(blockNumbers, cancellationToken);
        await Task.WhenAll(participants, nodes, datasets, requests, licenses, jobs, consents, blocks).ConfigureAwait(false);
        var times = new Dictionary<ulong, ulong>();
        for (var i = 0; i < blockNumbers.Count; i++)
        {
            if (blocks.Result[i] is { } header)
            {
                times[blockNumbers[i]] = header.Timestamp;
            }
        }

        return new Update(participants.Result, nodes.Result, datasets.Result, requests.Result, licenses.Result, [.. jobs.Result], consents.Result, times);
    }

    private void Apply(List<ContractEvent> events, Update update, ulong head)
    {
        var s = _snapshot;
        foreach (var p in update.Participants)
        {
            s.Participants[p.Account] = p;
        }

        foreach (var n in update.Nodes)
        {
            s.Nodes[n.Account] = n;
        }

        foreach (var d in update.Datasets)
        {
            s.Datasets[d.Id] = d;
        }

        foreach (var r in update.Requests)
        {
            s.Requests[r.Id] = r;
        }

        foreach (var l in update.Licenses)
        {
            s.Licenses[l.Id] = l;
        }

        foreach (var c in update.Consents)
        {
            s.Consents[c.Key] = c;
        }

        foreach (var (block, time) in update.BlockTimes)
        {
            s.BlockTimes[block] = time;
        }

        var jobs = update.Jobs.ToDictionary(j => j.Id);
        foreach (var e in events)
        {
            var v = e.Values;
            switch (e.Name)
            {
                case "RequestRejected":
                    s.Rejections[v.GetUInt64("requestId")] = v.GetString("reason");
                    break;
                case "Revoked":
                    s.Revocations[v.GetUInt64("licenseId")] = v.GetString("reason");
                    break;
                case "ConsentGiven":
                    s.ConsentPurposes[v.GetHash32("key")] = v.GetString("purpose");
                    break;
                case "DatasetEpsilonSpent" or "DatasetEpsilonRefunded":
                    s.DatasetEpsilonSpent[v.GetHash32("datasetId")] = Micro(v, "spent");
                    break;
                case "LicenseConsumed":
                    AddUse(s, new LicenseUse(v.GetUInt64("licenseId"), e.BlockNumber, false, Micro(v, "epsilon"),
                        (uint)v.GetUInt64("quotaRemaining"), Micro(v, "epsilonRemaining"), 0));
                    break;
                case "LicenseRefunded":
                    AddUse(s, new LicenseUse(v.GetUInt64("licenseId"), e.BlockNumber, true, Micro(v, "epsilon"),
                        (uint)v.GetUInt64("quotaRemaining"), Micro(v, "epsilonRemaining"), v.GetUInt64("jobId")));
                    break;
                case "JobSubmitted" or "JobSubmittedHashed":
                    {
                        var id = v.GetUInt64("jobId");
                        var license = v.GetUInt64("licenseId");
                        SetJob(s, jobs, id, failure: null, license == 0 ? [] : [license]);
                        break;
                    }

                case "JoinSubmitted":
                    SetJob(s, jobs, v.GetUInt64("jobId"), failure: null, [.. v.GetList("licenseIds").Select(o => (ulong)(BigInteger)o!)]);
                    break;
                case "JobFailed" or "JoinFailed":
                    if (JobHistory.AsJobFailure(e) is { } failure)
                    {
                        SetJob(s, jobs, failure.JobId, failure, licenseIds: null);
                    }

                    break;
            }

            s.Events.Add(e);
        }

        // Jobs touched by other events (completion, cancellation) keep their failure and licenses.
        foreach (var job in jobs.Values)
        {
            SetJob(s, jobs, job.Id, failure: null, licenseIds: null);
        }

        s.Block = head;
    }

    private static void SetJob(ChainSnapshot s, Dictionary<ulong, Job> fresh, ulong id, JobFailure? failure, IReadOnlyList<ulong>? licenseIds)
    {
        s.Jobs.TryGetValue(id, out var known);
        var job = fresh.GetValueOrDefault(id) ?? known?.Job;
        if (job is null)
        {
            return;
        }

        s.Jobs[id] = new IndexedJob(job, failure ?? known?.Failure, licenseIds ?? known?.LicenseIds ?? (job.LicenseId == 0 ? [] : [job.LicenseId]));
    }

    private static void AddUse(ChainSnapshot s, LicenseUse use)
    {
        if (!s.LicenseUses.TryGetValue(use.LicenseId, out var list))
        {
            s.LicenseUses[use.LicenseId] = list = [];
        }

        list.Add(use);
    }

    private static Epsilon Micro(AbiValues values, string name) => new((long)values.GetUInt64(name));

    private sealed record Update(
        Participant[] Participants,
        NodeInfo[] Nodes,
        IndexedDataset[] Datasets,
        LicenseRequest[] Requests,
        License[] Licenses,
        Job[] Jobs,
        Consent[] Consents,
        Dictionary<ulong, ulong> BlockTimes);

    private sealed class Touched
    {
        public HashSet<Address> Participants { get; } = [];

        public HashSet<Address> Nodes { get; } = [];

        public HashSet<Hash32> Datasets { get; } = [];

        public HashSet<ulong> Requests { get; } = [];

        public HashSet<ulong> Licenses { get; } = [];

        public HashSet<ulong> Jobs { get; } = [];

        public HashSet<Hash32> Consents { get; } = [];

        public HashSet<ulong> Blocks { get; } = [];

        public static Touched From(IEnumerable<ContractEvent> events)
        {
            var t = new Touched();
            foreach (var e in events)
            {
                var v = e.Values;
                t.Blocks.Add(e.BlockNumber);
                switch (e.Name)
                {
                    case "ParticipantAdmitted":
                        t.Participants.Add(v.GetAddress("account"));
                        break;
                    case "Suspended" or "ParticipantReinstated":
                        var account = v.GetAddress("account");
                        t.Participants.Add(account);
                        break;
                    case "NodeRegistered" or "NodeEndpointUpdated":
                        t.Participants.Add(v.GetAddress("node"));
                        t.Nodes.Add(v.GetAddress("node"));
                        break;
                    case "DatasetPublished" or "VersionPublished" or "VersionRetired" or "GradeRaised" or "EpsilonCapLowered" or "Retired":
                        t.Datasets.Add(v.GetHash32("id"));
                        break;
                    case "DatasetEpsilonSpent" or "DatasetEpsilonRefunded":
                        t.Datasets.Add(v.GetHash32("datasetId"));
                        break;
                    case "LicenseRequested" or "RequestRejected":
                        t.Requests.Add(v.GetUInt64("requestId"));
                        break;
                    case "LicenseGranted":
                        t.Requests.Add(v.GetUInt64("requestId"));
                        t.Licenses.Add(v.GetUInt64("licenseId"));
                        break;
                    case "Revoked" or "LicenseConsumed" or "LicenseRefunded":
                        t.Licenses.Add(v.GetUInt64("licenseId"));
                        break;
                    case "JobSubmitted" or "JobSubmittedHashed" or "JobCompleted" or "JobFailed" or "JoinSubmitted" or "JoinCompleted"
                        or "JoinFailed" or "JobCancelled":
                        t.Jobs.Add(v.GetUInt64("jobId"));
                        break;
                    case "ConsentGiven" or "ConsentWithdrawn":
                        t.Consents.Add(v.GetHash32("key"));
                        break;
                }
            }

            return t;
        }
    }
}
