using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Signing;

namespace DataTrust.Audit.Internal;

/// <summary>
/// The enclave side of the replay: approvals of measurements and platform keys, recorded quotes (re-verified from their
/// event alone: digest, platform signature, key binding, freshness, approvals at their block, no replay), and ENCLAVE_JOIN
/// jobs: accepted only under licenses valid at their block, each charged ε, completed or failed only under a quote usable at
/// that block, of the join's measurement, recorded in an earlier block, and signed by the quote's enclave key.
/// </summary>
internal sealed partial class Replay
{
    private readonly Dictionary<Hash32, bool> _measurements = [];
    private readonly Dictionary<Address, bool> _platformKeys = [];
    private readonly Dictionary<Hash32, ulong> _quoteDigests = [];
    private readonly Dictionary<Address, ulong> _hostQuotes = [];

    /// <summary>Every recorded quote, by id.</summary>
    public Dictionary<ulong, QuoteState> Quotes { get; } = [];

    /// <summary>Findings of the enclave-joins check.</summary>
    public List<AuditFinding> EnclaveFindings { get; } = [];

    public int EnclaveChecks { get; private set; }

    /// <summary>Joins completed by an enclave.</summary>
    public int JoinsCompleted { get; private set; }

    /// <summary>Joins failed by an enclave or a node.</summary>
    public int JoinsFailed { get; private set; }

    /// <summary>Quotes whose measurement or platform key was revoked after they were recorded (not a finding: the chain then refuses them).</summary>
    public int QuotesRevokedAfterRecording => Quotes.Values.Count(q => !IsApproved(_measurements, q.Measurement) || !IsApproved(_platformKeys, q.PlatformKey));

    private static bool IsApproved<TKey>(Dictionary<TKey, bool> approvals, TKey key)
        where TKey : notnull => approvals.TryGetValue(key, out var approved) && approved;

    private async Task ApplyEnclaveAsync(ContractEvent e)
    {
        var v = e.Values;
        switch (e.Name)
        {
            case "MeasurementApproved":
                ApplyApproval(e, _measurements, v.GetHash32("measurement"), true, "measurement");
                break;
            case "MeasurementRevoked":
                ApplyApproval(e, _measurements, v.GetHash32("measurement"), false, "measurement");
                break;
            case "PlatformKeyApproved":
                ApplyApproval(e, _platformKeys, v.GetAddress("platformKey"), true, "platform key");
                break;
            case "PlatformKeyRevoked":
                ApplyApproval(e, _platformKeys, v.GetAddress("platformKey"), false, "platform key");
                break;
            case "QuoteRecorded":
                await ApplyQuoteRecordedAsync(e).ConfigureAwait(false);
                break;
            case "QuoteSuperseded":
                ApplyQuoteSuperseded(e);
                break;
            case "JoinSubmitted":
                await ApplyJoinSubmittedAsync(e).ConfigureAwait(false);
                break;
            case "JoinCompleted":
            case "JoinFailed":
                await ApplyJoinFinishedAsync(e).ConfigureAwait(false);
                break;
            default:
                break;
        }
    }

    private void ApplyApproval<TKey>(ContractEvent e, Dictionary<TKey, bool> approvals, TKey key, bool approve, string what)
        where TKey : notnull
    {
        EnclaveChecks++;
        if (IsApproved(approvals, key) == approve)
        {
            EnclaveFindings.Add(new AuditFinding($"The {what} {key} was {(approve ? "approved" : "revoked")} while it already was.", Block: e.BlockNumber));
        }

        approvals[key] = approve;
    }

    private async Task ApplyQuoteRecordedAsync(ContractEvent e)
    {
        var v = e.Values;
        var id = v.GetUInt64("quoteId");
        var quote = new QuoteState(
            id,
            v.GetHash32("measurement"),
            v.GetAddress("enclave"),
            v.GetAddress("platformKey"),
            v.GetAddress("host"),
            v.GetUInt64("issuedAt"),
            e.BlockNumber,
            e.LogIndex);
        EnclaveChecks++;
        void Bad(string what) => EnclaveFindings.Add(new AuditFinding($"Quote {id}: {what}.", Block: e.BlockNumber));
        if (Quotes.ContainsKey(id))
        {
            Bad("recorded a second time");
            return;
        }

        Quotes[id] = quote;
        if (!IsApproved(_measurements, quote.Measurement))
        {
            Bad($"recorded under measurement {quote.Measurement}, which was not approved at block {e.BlockNumber}");
        }

        var reportData = v.GetHash32("reportData");
        var digest = EnclavesContract.QuoteDigest(_deployment.ChainId, _deployment.Enclaves, quote.Measurement, reportData, quote.IssuedAt, v.GetHash32("nonce"));
        if (digest != v.GetHash32("digest"))
        {
            Bad($"its digest {v.GetHash32("digest")} is not the digest of its own fields ({digest})");
        }

        if (!PersonalMessage.TryRecoverSigner(digest.Span, v.GetBytes("platformSignature"), out var platform, out var error))
        {
            Bad($"its platform signature does not verify ({error})");
        }
        else if (platform != quote.PlatformKey)
        {
            Bad($"its platform signature was made by {platform}, not by the platform key {quote.PlatformKey} it names");
        }

        if (!IsApproved(_platformKeys, quote.PlatformKey))
        {
            Bad($"signed by platform key {quote.PlatformKey}, which was not approved at block {e.BlockNumber}");
        }

        var publicKey = v.GetBytes("publicKey");
        if (publicKey.Length != 64 || Keccak256.Compute(publicKey) != reportData)
        {
            Bad("its report data is not keccak256 of the enclave public key it carries (the key binding is broken)");
        }
        else if (Address.FromPublicKey(publicKey) != quote.Enclave)
        {
            Bad($"its enclave address {quote.Enclave} is not the address of its public key");
        }

        if (_quoteDigests.TryGetValue(digest, out var earlier))
        {
            Bad($"it replays quote {earlier} (the same digest)");
        }

        _quoteDigests[digest] = id;
        var time = await TimestampAsync(e.BlockNumber).ConfigureAwait(false);
        if (quote.IssuedAt > time + (ulong)EnclavesContract.ClockSkew.TotalSeconds || quote.IssuedAt + (ulong)EnclavesContract.MaxQuoteAge.TotalSeconds < time)
        {
            Bad($"issued at {quote.IssuedAt}, not fresh at its block time {time}");
        }

        if (_hostQuotes.TryGetValue(quote.Host, out var previous))
        {
            quote.Supersedes = previous;
        }

        _hostQuotes[quote.Host] = id;
    }

    private void ApplyQuoteSuperseded(ContractEvent e)
    {
        var v = e.Values;
        var id = v.GetUInt64("quoteId");
        var by = v.GetUInt64("byQuoteId");
        EnclaveChecks++;
        if (!Quotes.TryGetValue(id, out var quote) || !Quotes.TryGetValue(by, out var successor) || successor.Supersedes != id || quote.Host != successor.Host)
        {
            EnclaveFindings.Add(new AuditFinding($"Quote {id} was reported superseded by quote {by}, which is not the next quote of the same host.", Block: e.BlockNumber));
            return;
        }

        quote.SupersededBlock = e.BlockNumber;
    }

    private async Task ApplyJoinSubmittedAsync(ContractEvent e)
    {
        var v = e.Values;
        var jobId = v.GetUInt64("jobId");
        var submitter = v.GetAddress("submitter");
        var measurement = v.GetHash32("measurement");
        var licenseIds = ((object?[])v["licenseIds"]!).Select(x => (ulong)(BigInteger)x!).ToList();
        var datasetIds = ((object?[])v["datasetIds"]!).Select(x => new Hash32((byte[])x!)).ToList();
        var epsilon = checked((long)v.GetUInt64("epsilon"));
        SubmissionChecks++;
        EnclaveChecks++;
        if (Jobs.ContainsKey(jobId))
        {
            SubmissionFindings.Add(new AuditFinding($"Job {jobId} was accepted a second time.", jobId, Block: e.BlockNumber));
            return;
        }

        var job = new JobState(jobId, licenseIds.FirstOrDefault(), datasetIds.FirstOrDefault(), submitter, v.GetHash32("specHash"), e.BlockNumber, epsilon)
        {
            Join = [.. licenseIds.Zip(datasetIds)],
            Measurement = measurement,
        };
        Jobs[jobId] = job;
        void Invalid(string what) => SubmissionFindings.Add(new AuditFinding($"Join {jobId} was accepted although {what}.", jobId, Block: e.BlockNumber));

        if (licenseIds.Count != datasetIds.Count || licenseIds.Count < JobsContract.MinJoinDatasets || licenseIds.Count > JobsContract.MaxJoinDatasets)
        {
            Invalid($"it names {licenseIds.Count} licenses and {datasetIds.Count} datasets (a join names {JobsContract.MinJoinDatasets} to {JobsContract.MaxJoinDatasets}, one license each)");
        }

        if (datasetIds.Distinct().Count() != datasetIds.Count)
        {
            Invalid("it names a dataset twice");
        }

        if (epsilon == 0)
        {
            Invalid("it spends ε = 0 (a join is differentially private)");
        }

        if (!IsApproved(_measurements, measurement))
        {
            Invalid($"its measurement {measurement} was not approved at that block");
        }

        if (!Participants.TryGetValue(submitter, out var participant) || participant.Role != Role.Enterprise)
        {
            Invalid($"its submitter {submitter} is not an admitted enterprise");
        }
        else if (participant.Suspended)
        {
            Invalid($"its submitter {submitter} was suspended");
        }

        var timestamp = await TimestampAsync(e.BlockNumber).ConfigureAwait(false);
        foreach (var (licenseId, datasetId) in job.Join)
        {
            LicenseChecks++;
            CheckPrivacy(e, jobId, licenseId, datasetId, ComputationKind.EnclaveJoin, epsilon);
            if (!Licenses.TryGetValue(licenseId, out var license))
            {
                Invalid($"license {licenseId} was never granted");
                continue;
            }

            license.Jobs++;
            license.QuotaRemaining--;
            license.EpsilonRemaining -= epsilon;
            if (license.QuotaRemaining < 0 || license.EpsilonRemaining < 0)
            {
                LicenseFindings.Add(new AuditFinding($"License {licenseId}'s quota or ε went negative at join {jobId}.", jobId, licenseId, e.BlockNumber));
            }

            if (license.Licensee != submitter)
            {
                Invalid($"its submitter {submitter} is not license {licenseId}'s licensee {license.Licensee}");
            }

            if (license.RevokedBlock is { } revoked)
            {
                Invalid($"license {licenseId} was revoked at block {revoked}");
            }

            if (timestamp >= license.ExpiresAt)
            {
                Invalid($"license {licenseId} had expired (block time {timestamp} ≥ expiry {license.ExpiresAt})");
            }

            if (!license.Kinds.Allows(ComputationKind.EnclaveJoin))
            {
                Invalid($"license {licenseId} does not allow ENCLAVE_JOIN");
            }

            if (license.DatasetId != datasetId)
            {
                Invalid($"it names dataset {datasetId} for license {licenseId}, which is for dataset {license.DatasetId}");
            }

            if (!Datasets.TryGetValue(datasetId, out var dataset))
            {
                Invalid($"dataset {datasetId} was never published");
            }
            else if (dataset.Retired || !dataset.AllowedKinds.Allows(ComputationKind.EnclaveJoin))
            {
                Invalid($"dataset {dataset.Name} ({datasetId}) was retired or does not allow joins");
            }
        }
    }

    private async Task ApplyJoinFinishedAsync(ContractEvent e)
    {
        var v = e.Values;
        var jobId = v.GetUInt64("jobId");
        var quoteId = v.GetUInt64("quoteId");
        var enclave = v.GetAddress("enclave");
        var completed = e.Name == "JoinCompleted";
        CompletionChecks++;
        EnclaveChecks++;
        void Bad(string what) => EnclaveFindings.Add(new AuditFinding($"Join {jobId}: {what}.", jobId, Block: e.BlockNumber));
        if (!Jobs.TryGetValue(jobId, out var job) || job.Join is null)
        {
            Bad($"{(completed ? "completed" : "failed")} by an enclave, but no such join was accepted");
            return;
        }

        if (job.Status != JobStatus.Pending)
        {
            Bad($"finished a second time (it was already {job.Status.ToString().ToLowerInvariant()} at block {job.FinishedBlock})");
            return;
        }

        job.Status = completed ? JobStatus.Completed : JobStatus.Failed;
        job.FinishedBlock = e.BlockNumber;
        job.FinishedLogIndex = e.LogIndex;
        job.CompletedBy = enclave;
        var refunded = !completed && v.GetBool("refunded");
        if (completed)
        {
            JoinsCompleted++;
            job.ResultHash = v.GetHash32("resultHash");
        }
        else
        {
            JoinsFailed++;
            if (refunded)
            {
                Close(job);
            }
            else
            {
                job.Charged = true;
            }
        }

        if (!Quotes.TryGetValue(quoteId, out var quote))
        {
            Bad($"finished under quote {quoteId}, which was never recorded");
            return;
        }

        if (quote.RecordedBlock >= e.BlockNumber)
        {
            Bad($"finished at block {e.BlockNumber} under quote {quoteId} recorded at block {quote.RecordedBlock}, not before");
        }

        if (quote.Measurement != job.Measurement)
        {
            Bad($"it must run under measurement {job.Measurement}, but quote {quoteId} is of {quote.Measurement}");
        }

        if (quote.Enclave != enclave)
        {
            Bad($"the event names enclave {enclave}, but quote {quoteId} quotes {quote.Enclave}");
        }

        if (!IsApproved(_measurements, quote.Measurement) || !IsApproved(_platformKeys, quote.PlatformKey))
        {
            Bad($"quote {quoteId}'s measurement or platform key was no longer approved at block {e.BlockNumber}");
        }

        if (_hostQuotes.TryGetValue(quote.Host, out var latest) && latest != quoteId)
        {
            Bad($"quote {quoteId} was superseded by the host's quote {latest} before block {e.BlockNumber}");
        }

        var time = await TimestampAsync(e.BlockNumber).ConfigureAwait(false);
        if (time >= quote.IssuedAt + (ulong)EnclavesContract.QuoteLifetime.TotalSeconds)
        {
            Bad($"quote {quoteId} had expired at block time {time}");
        }

        var digest = completed
            ? JobsContract.ResultDigest(_deployment.Jobs, _deployment.ChainId, jobId, job.ResultHash)
            : JobsContract.JoinFailureDigest(_deployment.Jobs, _deployment.ChainId, jobId, v.GetString("reason"), !refunded);
        if (!PersonalMessage.TryRecoverSigner(digest.Span, v.GetBytes("signature"), out var signer, out var error))
        {
            Bad($"its enclave signature does not verify ({error})");
        }
        else if (signer != quote.Enclave)
        {
            Bad($"signed by {signer}, not by quote {quoteId}'s enclave key {quote.Enclave}");
        }

        if (completed)
        {
            foreach (var (licenseId, _) in job.Join)
            {
                if (Licenses.TryGetValue(licenseId, out var license) && license.RevokedBlock is { } revoked)
                {
                    CompletionFindings.Add(new AuditFinding($"Join run on a revoked license: join {jobId} was completed at block {e.BlockNumber} after license {licenseId} was revoked at block {revoked}.", jobId, licenseId, e.BlockNumber));
                }
            }
        }
    }

    /// <summary>Whether <paramref name="node"/> may finish the job as a node: its dataset's node (for a join, the node of any of its datasets).</summary>
    private bool IsJobNode(JobState job, Address node)
    {
        if (job.Join is null)
        {
            return !Datasets.TryGetValue(job.DatasetId, out var dataset) || dataset.Node == node;
        }

        return job.Join.Any(j => Datasets.TryGetValue(j.DatasetId, out var d) && d.Node == node);
    }

    /// <summary>A join closed without a result no longer holds quota and ε on any of its licenses or datasets.</summary>
    private void CloseJoin(JobState job)
    {
        foreach (var (licenseId, datasetId) in job.Join!)
        {
            if (Licenses.TryGetValue(licenseId, out var license))
            {
                license.QuotaRemaining++;
                license.EpsilonRemaining += job.Epsilon;
            }

            if (Datasets.TryGetValue(datasetId, out var dataset))
            {
                dataset.SpentByJobs -= job.Epsilon;
            }
        }
    }

    /// <summary>A recorded quote as replayed.</summary>
    internal sealed class QuoteState(ulong id, Hash32 measurement, Address enclave, Address platformKey, Address host, ulong issuedAt, ulong recordedBlock, ulong recordedLogIndex)
    {
        public ulong Id { get; } = id;

        public Hash32 Measurement { get; } = measurement;

        public Address Enclave { get; } = enclave;

        public Address PlatformKey { get; } = platformKey;

        public Address Host { get; } = host;

        public ulong IssuedAt { get; } = issuedAt;

        public ulong RecordedBlock { get; } = recordedBlock;

        public ulong RecordedLogIndex { get; } = recordedLogIndex;

        /// <summary>The same host's previous quote, which this one supersedes (null for its first).</summary>
        public ulong? Supersedes { get; set; }

        /// <summary>The block QuoteSuperseded reported this quote superseded in.</summary>
        public ulong? SupersededBlock { get; set; }
    }

    internal sealed partial class JobState
    {
        /// <summary>For an ENCLAVE_JOIN: its licenses and their datasets, in order; null for any other job.</summary>
        public IReadOnlyList<(ulong LicenseId, Hash32 DatasetId)>? Join { get; init; }

        /// <summary>For an ENCLAVE_JOIN: the measurement it must run under.</summary>
        public Hash32 Measurement { get; init; }

        /// <summary>For an ENCLAVE_JOIN: how many LicenseRefunded events named it, per license.</summary>
        public Dictionary<ulong, int> RefundsByLicense { get; } = [];
    }
}
