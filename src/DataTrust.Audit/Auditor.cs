using DataTrust.Client;
using DataTrust.Core.Execution;
using DataTrust.Audit.Internal;
using DataTrust.Client.Results;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Protos.V1;
using Google.Protobuf;

namespace DataTrust.Audit;

/// <summary>
/// Replays a deployment's whole event trail in chain order (block, log index) and checks that every license was
/// accounted for, every job was valid when accepted and properly completed, and that result files and node
/// execution logs agree with the chain. Reads only; never sends a transaction.
/// </summary>
public sealed class Auditor
{
    /// <summary>Name of the license accounting check.</summary>
    public const string LicensesCheck = "licenses";

    /// <summary>Name of the job acceptance check.</summary>
    public const string SubmissionsCheck = "job-submissions";

    /// <summary>Name of the job completion check.</summary>
    public const string CompletionsCheck = "job-completions";

    /// <summary>Name of the check that no exact (ε = 0) job but HE scoring was accepted on a dataset while it was SENSITIVE.</summary>
    public const string SensitiveExactCheck = "sensitive-exact";

    /// <summary>Name of the check that no dataset's ε cap was passed and the on-chain tally of each dataset is exact.</summary>
    public const string DatasetEpsilonCapCheck = "dataset-epsilon-cap";

    /// <summary>Name of the check that every job is closed or younger than the deployment's deadline, and every refund is exact.</summary>
    public const string JobClosureCheck = "job-closure";

    /// <summary>Name of the check of enclave quotes and the joins they completed or failed.</summary>
    public const string EnclaveJoinsCheck = "enclave-joins";

    /// <summary>Name of the result file check.</summary>
    public const string ResultFilesCheck = "result-files";

    /// <summary>Name of the check that each result was computed on the dataset version its job names.</summary>
    public const string ResultVersionsCheck = "result-versions";

    /// <summary>Name of the execution log check.</summary>
    public const string ExecutionLogsCheck = "execution-logs";

    /// <summary>Name of the check that every subject scored in a result file had consent on chain when the job completed.</summary>
    public const string ScoringConsentsCheck = "scoring-consents";

    private readonly TimeProvider _time;

    /// <summary>Creates an auditor; <paramref name="time"/> stamps the report (the system clock by default).</summary>
    public Auditor(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Replays the trail of <paramref name="ledger"/>'s deployment and runs every check.</summary>
    /// <exception cref="ArgumentException">The requested last block lies before the deployment block or beyond the chain head.</exception>
    /// <exception cref="RpcException">The chain cannot be read.</exception>
    public async Task<AuditReport> VerifyAsync(DataTrustLedger ledger, AuditInputs inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(inputs);
        var deployment = ledger.Deployment;
        var head = (await ledger.Rpc.GetBlockAsync(BlockTag.Latest, cancellationToken).ConfigureAwait(false))?.Number
            ?? throw new RpcException(RpcErrorKind.MalformedResponse, "The node returned no latest block.");
        var toBlock = inputs.ToBlock ?? head;
        if (toBlock < deployment.DeploymentBlock || toBlock > head)
        {
            throw new ArgumentException(
                $"The last block to audit must lie between the deployment block {deployment.DeploymentBlock} and the chain head {head}; got {toBlock}.",
                nameof(inputs));
        }

        var events = new List<ContractEvent>();
        foreach (var binding in new ContractBinding[] { ledger.Participants, ledger.Catalog, ledger.Licenses, ledger.Enclaves, ledger.Jobs })
        {
            events.AddRange(await binding.GetEventsAsync(deployment.DeploymentBlock, toBlock, cancellationToken).ConfigureAwait(false));
        }

        events.Sort((a, b) => a.BlockNumber != b.BlockNumber ? a.BlockNumber.CompareTo(b.BlockNumber) : a.LogIndex.CompareTo(b.LogIndex));

        var consentEvents = await ledger.Consents.GetEventsAsync(deployment.DeploymentBlock, toBlock, cancellationToken).ConfigureAwait(false);
        var replay = new Replay(deployment, block => TimestampAsync(ledger.Rpc, block, cancellationToken));
        foreach (var e in events)
        {
            await replay.ApplyAsync(e).ConfigureAwait(false);
        }

        replay.Finish();
        var onChainSpent = new Dictionary<Hash32, long>();
        foreach (var id in replay.Datasets.Keys)
        {
            onChainSpent[id] = (await ledger.Licenses.GetDatasetEpsilonSpentAsync(id, BlockTag.Number(toBlock), cancellationToken).ConfigureAwait(false)).Micros;
        }

        replay.FinishDatasets(onChainSpent);
        var pendingDeadline = await ledger.Jobs.GetPendingDeadlineAsync(BlockTag.Number(toBlock), cancellationToken).ConfigureAwait(false);
        await replay.FinishClosureAsync((ulong)pendingDeadline.TotalSeconds, await TimestampAsync(ledger.Rpc, toBlock, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false);
        var checks = new List<AuditCheck>
        {
            new(LicensesCheck, "Each license's quota and ε, recomputed from its grant and every consumption, match what each event reports and never go negative.", replay.LicenseChecks, replay.LicenseFindings),
            new(SubmissionsCheck, "Every accepted job was valid at its block: license granted and held by the submitter, not revoked, not expired, kind allowed, dataset active, submitter active; a job without a license only as an open aggregate on a dataset OPEN at that block.", replay.SubmissionChecks, replay.SubmissionFindings),
            new(CompletionsCheck, "Every finished job is known, finished once, by the dataset's node, with a signature by that node's registered signer, on a license neither revoked nor expired.", replay.CompletionChecks, replay.CompletionFindings),
            new(SensitiveExactCheck, "No job with ε = 0 was accepted on a dataset while it was SENSITIVE (grades replayed from publication and every GradeRaised), except HE scoring, a per-subject disclosure each scored subject's consent authorises (scoring-consents checks the consents of handed-over results); and grades only rose.", replay.SensitiveExactChecks, replay.SensitiveExactFindings)
            {
                Figures = SensitiveExactFigures(replay.SensitiveExactJobs, replay.SensitiveExactScoringJobs),
                LocalizedFigures = SensitiveExactLocalizedFigures(replay.SensitiveExactJobs, replay.SensitiveExactScoringJobs),
            },
            new(DatasetEpsilonCapCheck, "Per dataset, the ε of accepted jobs across all licenses never passed the cap in force at their block, caps only fell, and the sum equals what Licenses reported and holds on chain (datasetEpsilonSpent).", replay.DatasetEpsilonChecks, replay.DatasetEpsilonFindings),
            new(JobClosureCheck, $"Every job is completed, failed or cancelled, or younger than the deployment's pending deadline ({(ulong)pendingDeadline.TotalSeconds} s) at the audited block; cancellations came by the submitter after the deadline; each job failed with a refund (refused before reading a row) or cancelled was refunded once, exactly its ε and 1 quota; a job failed charged (refused after reading rows) was refunded nothing.", replay.ClosureChecks, replay.ClosureFindings),
            EnclaveJoinsAudit.Check(replay),
            CheckResultFiles(inputs.ResultFiles, replay, deployment),
            CheckResultVersions(inputs.ResultFiles, replay),
            CheckExecutionLogs(inputs.ExecutionLogs, replay),
            await CheckScoringConsentsAsync(ledger, inputs.ResultFiles, replay, consentEvents, cancellationToken).ConfigureAwait(false),
        };
        if (inputs.ReleaseLogs.Count > 0)
        {
            checks.Add(await ReleaseLogAudit.CheckAsync(ledger, inputs.ReleaseLogs, toBlock, cancellationToken).ConfigureAwait(false));
        }

        var jobs = replay.Jobs.Values;
        return new AuditReport(
            deployment,
            deployment.DeploymentBlock,
            toBlock,
            new AuditCounts(
                replay.Participants.Count,
                replay.Datasets.Count,
                replay.Licenses.Count,
                jobs.Count(j => j.Status == JobStatus.Completed),
                jobs.Count(j => j.Status == JobStatus.Failed),
                jobs.Count(j => j.Status == JobStatus.Pending),
                events.Count + consentEvents.Count)
            {
                JobsCancelled = jobs.Count(j => j.Status == JobStatus.Cancelled),
            },
            checks,
            [.. replay.Participants.Select(p => new AuditParticipant(p.Key, p.Value.Role, p.Value.Name, p.Value.Suspended))],
            [.. replay.Datasets.Select(d => new AuditDataset(d.Key, d.Value.Name, d.Value.Operator, d.Value.Node, d.Value.Retired)
            {
                Grade = d.Value.Grade,
                EpsilonCapMicros = d.Value.EpsilonCap,
                EpsilonSpentMicros = d.Value.SpentByJobs,
                Versions = [.. d.Value.Versions.Select(v => new AuditDatasetVersion(v.Number, v.SnapshotCommitment, v.RowCount, v.PublishedBlock, jobs.Count(j => j.DatasetId == d.Key && j.DatasetVersion == v.Number)))],
            })],
            [.. replay.Licenses.Values.OrderBy(l => l.Id).Select(l => new LicenseLedgerEntry(
                l.Id, l.DatasetId, l.Licensee, l.Kinds, l.Quota, l.QuotaRemaining, l.EpsilonBudget, l.EpsilonRemaining, l.ExpiresAt, l.GrantedBlock, l.RevokedBlock, l.Jobs))],
            _time.GetUtcNow());
    }

    /// <summary>The sensitive-exact check's figures: how many exact jobs ran on SENSITIVE datasets, and how many were HE scoring.</summary>
    internal static string SensitiveExactFigures(int exact, int scoring)
    {
        var jobs = exact == 1 ? "1 exact job" : $"{exact} exact jobs";
        return exact == 0 ? "No exact job on a SENSITIVE dataset."
            : scoring == exact ? $"{jobs} on SENSITIVE datasets, all HE scoring under consent."
            : $"{jobs} on SENSITIVE datasets, {scoring} of them HE scoring under consent and {exact - scoring} not (each a finding).";
    }

    /// <summary>The sensitive-exact figures as a report resource and its arguments.</summary>
    internal static LocalizedFigures SensitiveExactLocalizedFigures(int exact, int scoring) =>
        exact == 0 ? new("Figures_SensitiveExactNone", [])
        : scoring == exact ? new("Figures_SensitiveExactAllScoring", [exact])
        : new("Figures_SensitiveExactSome", [exact, scoring, exact - scoring]);

    private static async Task<ulong> TimestampAsync(JsonRpcClient rpc, ulong block, CancellationToken cancellationToken) =>
        (await rpc.GetBlockAsync(BlockTag.Number(block), cancellationToken).ConfigureAwait(false))?.Timestamp
            ?? throw new RpcException(RpcErrorKind.MalformedResponse, $"The node has no block {block}, though it returned events from it.");

    /// <summary>
    /// For every result file of a job the chain accepted: the snapshot commitment the result states is the commitment of the
    /// dataset version the job names (VersionPublished), so a result computed on another version, older or newer, is a finding.
    /// Files the result-files check cannot read or place are left to it.
    /// </summary>
    private static AuditCheck CheckResultVersions(IReadOnlyList<string> paths, Replay replay)
    {
        var findings = new List<AuditFinding>();
        var checkedResults = 0;
        foreach (var path in paths)
        {
            ResultFile file;
            DataTrust.Protos.V1.JobResult result;
            try
            {
                file = ResultFile.Load(path);
                result = DataTrust.Protos.V1.JobResult.Parser.ParseFrom(file.Result);
            }
            catch (Exception ex) when (ex is ClientException or Google.Protobuf.InvalidProtocolBufferException)
            {
                continue;
            }

            var stated = result.ResultCase switch
            {
                DataTrust.Protos.V1.JobResult.ResultOneofCase.Aggregate => result.Aggregate.SnapshotCommitment,
                DataTrust.Protos.V1.JobResult.ResultOneofCase.HeWeightedAggregate => result.HeWeightedAggregate.SnapshotCommitment,
                DataTrust.Protos.V1.JobResult.ResultOneofCase.HeScoring => result.HeScoring.SnapshotCommitment,
                _ => null,
            };
            if (stated is null || !replay.Jobs.TryGetValue(file.JobId, out var job) || job.DatasetVersion == 0 || !replay.Datasets.TryGetValue(job.DatasetId, out var dataset))
            {
                continue;
            }

            checkedResults++;
            var name = Path.GetFileName(path);
            var expected = dataset.CommitmentOf(job.DatasetVersion);
            if (expected is null)
            {
                findings.Add(new AuditFinding($"Result file {name}: job {file.JobId} names version {job.DatasetVersion} of dataset {job.DatasetId}, which was never published.", file.JobId, job.LicenseId == 0 ? null : job.LicenseId));
            }
            else if (stated.Length != 32 || new Hash32(stated.ToByteArray()) != expected.Value)
            {
                findings.Add(new AuditFinding($"Result file {name}: job {file.JobId} names version {job.DatasetVersion} of dataset {job.DatasetId} (commitment {expected.Value}), but its result states snapshot commitment 0x{Convert.ToHexStringLower(stated.Span)}: it was not computed on that version.", file.JobId, job.LicenseId == 0 ? null : job.LicenseId));
            }
        }

        return new AuditCheck(ResultVersionsCheck, "Each result file was computed on the dataset version its job names: the snapshot commitment it states is that version's commitment on chain.", checkedResults, findings);
    }

    private static AuditCheck CheckResultFiles(IReadOnlyList<string> paths, Replay replay, Deployment deployment)
    {
        var findings = new List<AuditFinding>();
        foreach (var path in paths)
        {
            ResultFile file;
            try
            {
                file = ResultFile.Load(path);
            }
            catch (ClientException ex)
            {
                findings.Add(new AuditFinding(ex.Message));
                continue;
            }

            var name = Path.GetFileName(path);
            if (file.ChainId != deployment.ChainId || file.Jobs != deployment.Jobs)
            {
                findings.Add(new AuditFinding($"Result file {name} is for Jobs {file.Jobs} on chain {file.ChainId}, not this deployment (Jobs {deployment.Jobs} on chain {deployment.ChainId}).", file.JobId));
                continue;
            }

            var computed = Keccak256.Compute(file.Result);
            if (computed != file.ResultHash)
            {
                findings.Add(new AuditFinding($"Result file {name}: the result bytes hash to {computed}, not to the file's resultHash {file.ResultHash} (the result was altered).", file.JobId));
            }

            if (!replay.Jobs.TryGetValue(file.JobId, out var job))
            {
                findings.Add(new AuditFinding($"Result file {name} is for job {file.JobId}, which the chain never accepted.", file.JobId));
                continue;
            }

            if (job.Status != JobStatus.Completed)
            {
                findings.Add(new AuditFinding($"Result file {name} is for job {file.JobId}, which is {job.Status.ToString().ToLowerInvariant()} on chain, not completed.", file.JobId, job.LicenseId));
                continue;
            }

            if (job.ResultHash != computed)
            {
                findings.Add(new AuditFinding($"Result file {name}: its result hashes to {computed}, but the node committed {job.ResultHash} on chain for job {file.JobId}.", file.JobId, job.LicenseId, job.FinishedBlock));
            }

            if (file.Node != job.CompletedBy)
            {
                findings.Add(new AuditFinding($"Result file {name} names node {file.Node}, but job {file.JobId} was completed by {job.CompletedBy}.", file.JobId, job.LicenseId, job.FinishedBlock));
            }

            var digest = JobsContract.ResultDigest(deployment.Jobs, deployment.ChainId, file.JobId, file.ResultHash);
            var signer = replay.SignerOf(job.CompletedBy);
            if (!PersonalMessage.TryRecoverSigner(digest.Span, file.NodeSignature, out var recovered, out var error))
            {
                findings.Add(new AuditFinding($"Result file {name}: the node signature does not verify ({error}).", file.JobId, job.LicenseId));
            }
            else if (signer is null || recovered != signer.Value)
            {
                findings.Add(new AuditFinding($"Result file {name}: the node signature is by {recovered}, not by node {job.CompletedBy}'s registered signer {signer?.ToString() ?? "(none)"}.", file.JobId, job.LicenseId));
            }
        }

        return new AuditCheck(ResultFilesCheck, "Each result file's bytes hash to its resultHash, which is the hash the node committed on chain, and its signature is by that node's registered signer.", paths.Count, findings);
    }

    /// <summary>
    /// For every scoring result file: each subject it scores had an active consent (given, not withdrawn) for the
    /// licensee, the dataset and the license's purpose at the block the job completed. The consent history is replayed
    /// from the Consents events, not read from the contract's current state.
    /// </summary>
    private static async Task<AuditCheck> CheckScoringConsentsAsync(DataTrustLedger ledger, IReadOnlyList<string> paths, Replay replay, IReadOnlyList<ContractEvent> consentEvents, CancellationToken cancellationToken)
    {
        var findings = new List<AuditFinding>();
        var checkedSubjects = 0;
        foreach (var path in paths)
        {
            ResultFile file;
            JobResult result;
            try
            {
                file = ResultFile.Load(path);
                result = JobResult.Parser.ParseFrom(file.Result);
            }
            catch (Exception ex) when (ex is ClientException or InvalidProtocolBufferException)
            {
                // The result-files check reports unreadable files.
                continue;
            }

            if (result.ResultCase != JobResult.ResultOneofCase.HeScoring || !replay.Jobs.TryGetValue(file.JobId, out var job) || job.Status != JobStatus.Completed)
            {
                continue;
            }

            var license = await ledger.Licenses.GetLicenseAsync(job.LicenseId, cancellationToken).ConfigureAwait(false);
            var purpose = (await ledger.Licenses.GetRequestAsync(license.RequestId, cancellationToken).ConfigureAwait(false)).Purpose;
            var purposeHash = ConsentsContract.PurposeHash(purpose);
            foreach (var subject in result.HeScoring.Scores.Select(s => s.Subject).Distinct(StringComparer.Ordinal))
            {
                checkedSubjects++;
                var key = ConsentsContract.ConsentKey(subject, job.Submitter, job.DatasetId, purposeHash);
                var last = consentEvents
                    .Where(e => e.Values.GetHash32("key") == key && (e.BlockNumber < job.FinishedBlock || (e.BlockNumber == job.FinishedBlock && e.LogIndex < job.FinishedLogIndex)))
                    .OrderBy(e => e.BlockNumber).ThenBy(e => e.LogIndex)
                    .LastOrDefault();
                if (last is null || last.Name != "ConsentGiven")
                {
                    findings.Add(new AuditFinding(
                        $"Result file {Path.GetFileName(path)}: job {job.Id} scored subject '{subject}', who had {(last is null ? "never given" : $"withdrawn (block {last.BlockNumber})")} consent for licensee {job.Submitter}, this dataset and purpose '{purpose}' when the job completed.",
                        job.Id,
                        job.LicenseId,
                        job.FinishedBlock));
                }
            }
        }

        return new AuditCheck(ScoringConsentsCheck, "Every subject scored in a scoring result file had consent on chain for the licensee, the dataset and the license's purpose when the job completed.", checkedSubjects, findings);
    }

    private static AuditCheck CheckExecutionLogs(IReadOnlyList<ExecutionLogInput> logs, Replay replay)
    {
        var findings = new List<AuditFinding>();
        var checkedEntries = 0;
        foreach (var log in logs)
        {
            var name = Path.GetFileName(log.Path);
            var verification = ExecutionLogFormat.Verify(log.Path);
            if (verification.Problem is { } problem)
            {
                findings.Add(new AuditFinding($"Execution log {name} of node {log.Node} is broken: {problem}."));
            }

            var logged = new HashSet<ulong>();
            foreach (var entry in verification.Entries)
            {
                checkedEntries++;
                logged.Add(entry.JobId);
                if (!replay.Jobs.TryGetValue(entry.JobId, out var job))
                {
                    findings.Add(new AuditFinding($"Execution log {name} of node {log.Node} records job {entry.JobId}, which the chain never accepted.", entry.JobId));
                    continue;
                }

                if (job.Status != JobStatus.Completed || job.CompletedBy != log.Node)
                {
                    findings.Add(new AuditFinding($"Execution log {name} records job {entry.JobId}, but node {log.Node} did not complete it on chain (status {job.Status.ToString().ToLowerInvariant()}).", entry.JobId, job.LicenseId));
                    continue;
                }

                if (job.ResultHash != entry.ResultHash)
                {
                    findings.Add(new AuditFinding($"Execution log {name} records result {entry.ResultHash} for job {entry.JobId}, but the node committed {job.ResultHash} on chain.", entry.JobId, job.LicenseId, job.FinishedBlock));
                }

                if (job.SpecHash != entry.SpecHash)
                {
                    findings.Add(new AuditFinding($"Execution log {name} records spec {entry.SpecHash} for job {entry.JobId}, but the job was submitted with spec {job.SpecHash}.", entry.JobId, job.LicenseId, job.SubmittedBlock));
                }
            }

            foreach (var job in replay.Jobs.Values.Where(j => j.Status == JobStatus.Completed && j.CompletedBy == log.Node && !logged.Contains(j.Id)).OrderBy(j => j.Id))
            {
                findings.Add(new AuditFinding($"Node {log.Node} completed job {job.Id} on chain, but its execution log {name} does not record it.", job.Id, job.LicenseId, job.FinishedBlock));
            }
        }

        return new AuditCheck(ExecutionLogsCheck, "Each node execution log is an intact hash chain whose entries are exactly the jobs that node completed on chain, with the same results.", checkedEntries, findings);
    }
}
