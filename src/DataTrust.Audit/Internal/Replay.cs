using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Signing;

namespace DataTrust.Audit.Internal;

/// <summary>The state the auditor rebuilds from events, and the findings it makes while applying them in chain order.</summary>
internal sealed partial class Replay
{
    private readonly Deployment _deployment;
    private readonly Func<ulong, Task<ulong>> _timestamp;
    private readonly Dictionary<ulong, ulong> _timestamps = [];
    private readonly Dictionary<Address, Address> _signers = [];
    private readonly Dictionary<ulong, RequestState> _requests = [];

    public Replay(Deployment deployment, Func<ulong, Task<ulong>> timestamp)
    {
        _deployment = deployment;
        _timestamp = timestamp;
    }

    public Dictionary<Address, ParticipantState> Participants { get; } = [];

    public Dictionary<Hash32, DatasetState> Datasets { get; } = [];

    public Dictionary<ulong, LicenseState> Licenses { get; } = [];

    public Dictionary<ulong, JobState> Jobs { get; } = [];

    public List<AuditFinding> LicenseFindings { get; } = [];

    public List<AuditFinding> SubmissionFindings { get; } = [];

    public List<AuditFinding> CompletionFindings { get; } = [];

    public List<AuditFinding> SensitiveExactFindings { get; } = [];

    public List<AuditFinding> DatasetEpsilonFindings { get; } = [];

    /// <summary>Findings of the job-closure check: stuck jobs, cancellations out of turn, and refunds missing, forged or inexact.</summary>
    public List<AuditFinding> ClosureFindings { get; } = [];

    public int ClosureChecks { get; private set; }

    public int SensitiveExactChecks { get; private set; }

    /// <summary>Jobs accepted with ε = 0 on a dataset while it was SENSITIVE, whatever their kind.</summary>
    public int SensitiveExactJobs { get; private set; }

    /// <summary>Of <see cref="SensitiveExactJobs"/>, the HE scoring jobs: exempt, since each scored subject's consent authorises them.</summary>
    public int SensitiveExactScoringJobs { get; private set; }

    public int DatasetEpsilonChecks { get; private set; }

    public int LicenseChecks { get; private set; }

    public int SubmissionChecks { get; private set; }

    public int CompletionChecks { get; private set; }

    public Address? SignerOf(Address node) => _signers.TryGetValue(node, out var signer) ? signer : null;

    public async Task ApplyAsync(ContractEvent e)
    {
        var v = e.Values;
        switch (e.Name)
        {
            case "ParticipantAdmitted":
                Participants[v.GetAddress("account")] = new ParticipantState((Role)v.GetUInt64("role"), v.GetString("name"));
                break;
            case "NodeRegistered":
                _signers[v.GetAddress("node")] = v.GetAddress("signer");
                break;
            case "Suspended":
                if (Participants.TryGetValue(v.GetAddress("account"), out var suspended))
                {
                    suspended.Suspended = true;
                }

                break;
            case "ParticipantReinstated":
                if (Participants.TryGetValue(v.GetAddress("account"), out var reinstated))
                {
                    reinstated.Suspended = false;
                }

                break;
            case "DatasetPublished":
                var spec = CatalogContract.DecodeSpec(v["spec"]);
                Datasets[v.GetHash32("id")] = new DatasetState(spec.Name, v.GetAddress("operator"), v.GetAddress("node"))
                {
                    Grade = spec.Grade,
                    EpsilonCap = spec.EpsilonCap.Micros,
                    AllowedKinds = spec.AllowedKinds,
                };

                // Publication is version 1 (its VersionPublished follows in the same transaction).
                Datasets[v.GetHash32("id")].Versions.Add(new DatasetVersionState(1, spec.SnapshotCommitment, spec.RowCount, e.BlockNumber));
                break;
            case "VersionPublished":
                if (Datasets.TryGetValue(v.GetHash32("id"), out var versioned) && versioned.Versions.All(known => known.Number != v.GetUInt64("version")))
                {
                    versioned.Versions.Add(new DatasetVersionState(checked((uint)v.GetUInt64("version")), v.GetHash32("snapshotCommitment"), checked((ulong)v.GetUInt64("rowCount")), e.BlockNumber));
                }

                break;
            case "GradeRaised":
                ApplyGradeRaised(e);
                break;
            case "EpsilonCapLowered":
                ApplyCapLowered(e);
                break;
            case "DatasetEpsilonSpent":
                ApplyDatasetSpent(e);
                break;
            case "Retired":
                if (Datasets.TryGetValue(v.GetHash32("id"), out var retired))
                {
                    retired.Retired = true;
                }

                break;
            case "LicenseRequested":
                _requests[v.GetUInt64("requestId")] = new RequestState(v.GetHash32("datasetId"), v.GetAddress("enterprise"));
                break;
            case "RequestRejected":
                if (_requests.TryGetValue(v.GetUInt64("requestId"), out var rejected))
                {
                    rejected.Answered = true;
                }

                break;
            case "LicenseGranted":
                ApplyGrant(e);
                break;
            case "Revoked":
                ApplyRevoke(e);
                break;
            case "LicenseConsumed":
                ApplyConsumed(e);
                break;
            case "JobSubmitted":
            case "JobSubmittedHashed":
                await ApplySubmittedAsync(e).ConfigureAwait(false);
                break;
            case "JobCompleted":
            case "JobFailed":
                await ApplyFinishedAsync(e).ConfigureAwait(false);
                break;
            case "JobCancelled":
                ApplyCancelled(e);
                break;
            case "LicenseRefunded":
                ApplyRefund(e);
                break;
            case "DatasetEpsilonRefunded":
                ApplyDatasetRefund(e);
                break;
            default:
                await ApplyEnclaveAsync(e).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>After the last event: the two tallies of each license (Licenses' and Jobs') must agree.</summary>
    public void Finish()
    {
        foreach (var license in Licenses.Values.OrderBy(l => l.Id))
        {
            LicenseChecks++;
            if (license.ConsumedEvents != license.Jobs)
            {
                LicenseFindings.Add(new AuditFinding(
                    $"License {license.Id} reports {license.ConsumedEvents} consumptions in Licenses but {license.Jobs} jobs in Jobs.",
                    LicenseId: license.Id));
            }

            if (license.ConsumedQuota != license.QuotaRemaining || license.ConsumedEpsilon != license.EpsilonRemaining)
            {
                LicenseFindings.Add(new AuditFinding(
                    $"License {license.Id}: its consumptions and refunds in Licenses leave {license.ConsumedQuota} jobs and ε {new Epsilon(license.ConsumedEpsilon)}, but its jobs' submissions and closures in Jobs leave {license.QuotaRemaining} jobs and ε {new Epsilon(license.EpsilonRemaining)}.",
                    LicenseId: license.Id));
            }
        }
    }

    /// <summary>
    /// After the last event: every job is closed (completed, failed or cancelled) or younger than the deployment's
    /// <paramref name="pendingDeadline"/> (seconds) at the audited block's time <paramref name="auditedAt"/>; every cancellation
    /// came on or after its job's deadline; every failed or cancelled licensed job was refunded (exactness is checked per refund).
    /// </summary>
    public async Task FinishClosureAsync(ulong pendingDeadline, ulong auditedAt)
    {
        foreach (var job in Jobs.Values.OrderBy(j => j.Id))
        {
            ClosureChecks++;
            var submittedAt = await TimestampAsync(job.SubmittedBlock).ConfigureAwait(false);
            var deadline = submittedAt + pendingDeadline;
            var license = job.LicenseId == 0 ? null : (ulong?)job.LicenseId;
            switch (job.Status)
            {
                case JobStatus.Pending when auditedAt >= deadline:
                    ClosureFindings.Add(new AuditFinding(
                        $"Job {job.Id} is stuck: pending since block {job.SubmittedBlock} (time {submittedAt}), past its deadline {deadline} ({pendingDeadline} s) at the audited block's time {auditedAt}; nothing may stay pending for ever.",
                        job.Id,
                        license,
                        job.SubmittedBlock));
                    break;
                case JobStatus.Cancelled:
                    var cancelledAt = await TimestampAsync(job.FinishedBlock).ConfigureAwait(false);
                    if (cancelledAt < deadline)
                    {
                        ClosureFindings.Add(new AuditFinding(
                            $"Job {job.Id} was cancelled at time {cancelledAt}, before its deadline {deadline} ({pendingDeadline} s after submission).",
                            job.Id,
                            license,
                            job.FinishedBlock));
                    }

                    break;
                default:
                    break;
            }

            if (job.Join is not null && job.Status is JobStatus.Failed or JobStatus.Cancelled && !job.Charged
                && job.Join.FirstOrDefault(j => !job.RefundsByLicense.ContainsKey(j.LicenseId)) is { LicenseId: not 0 } unrefunded)
            {
                ClosureFindings.Add(new AuditFinding(
                    $"Join {job.Id} was {Describe(job.Status)} at block {job.FinishedBlock} without reading a row, but license {unrefunded.LicenseId} never got its quota (1) and ε {new Epsilon(job.Epsilon)} back (no LicenseRefunded for it).",
                    job.Id,
                    unrefunded.LicenseId,
                    job.FinishedBlock));
            }
            else if (job.Join is null && job.Status is JobStatus.Failed or JobStatus.Cancelled && !job.Charged && job.LicenseId != 0 && job.Refunds == 0)
            {
                ClosureFindings.Add(new AuditFinding(
                    $"Job {job.Id} was {Describe(job.Status)} at block {job.FinishedBlock} without reading a row, but license {job.LicenseId} never got its quota (1) and ε {new Epsilon(job.Epsilon)} back (no LicenseRefunded for it).",
                    job.Id,
                    job.LicenseId,
                    job.FinishedBlock));
            }
        }
    }

    /// <summary>
    /// After the last event: per dataset, the ε of accepted jobs, the running total the Licenses contract reported, and
    /// what it holds on chain at the audited block (<paramref name="onChainSpent"/>, in millionths) must all agree.
    /// </summary>
    public void FinishDatasets(IReadOnlyDictionary<Hash32, long> onChainSpent)
    {
        foreach (var (id, dataset) in Datasets)
        {
            DatasetEpsilonChecks++;
            if (dataset.SpentByJobs != dataset.SpentByEvents)
            {
                DatasetEpsilonFindings.Add(new AuditFinding(
                    $"Dataset {dataset.Name} ({id}): its accepted jobs spent ε {new Epsilon(dataset.SpentByJobs)}, but Licenses reported ε {new Epsilon(dataset.SpentByEvents)} spent on it."));
            }

            if (onChainSpent.TryGetValue(id, out var onChain) && onChain != dataset.SpentByJobs)
            {
                DatasetEpsilonFindings.Add(new AuditFinding(
                    $"Dataset {dataset.Name} ({id}): Licenses.datasetEpsilonSpent holds ε {new Epsilon(onChain)}, but its accepted jobs spent ε {new Epsilon(dataset.SpentByJobs)}."));
            }
        }
    }

    private void ApplyGradeRaised(ContractEvent e)
    {
        var v = e.Values;
        var id = v.GetHash32("id");
        var from = (ProtectionGrade)v.GetUInt64("from");
        var to = (ProtectionGrade)v.GetUInt64("to");
        if (!Datasets.TryGetValue(id, out var dataset))
        {
            SensitiveExactFindings.Add(new AuditFinding($"The grade of dataset {id} was raised, but it was never published.", Block: e.BlockNumber));
            return;
        }

        if (from != dataset.Grade || !to.IsDefined() || (byte)to <= (byte)from)
        {
            SensitiveExactFindings.Add(new AuditFinding(
                $"Dataset {dataset.Name} ({id}) was regraded from {from.Name()} to {to.Name()}, but its grade was {dataset.Grade.Name()} and grades only rise.",
                Block: e.BlockNumber));
        }

        dataset.Grade = to;
    }

    private void ApplyCapLowered(ContractEvent e)
    {
        var v = e.Values;
        var id = v.GetHash32("id");
        var from = checked((long)v.GetUInt64("from"));
        var to = checked((long)v.GetUInt64("to"));
        if (!Datasets.TryGetValue(id, out var dataset))
        {
            DatasetEpsilonFindings.Add(new AuditFinding($"The ε cap of dataset {id} was lowered, but it was never published.", Block: e.BlockNumber));
            return;
        }

        if (from != dataset.EpsilonCap || to >= from)
        {
            DatasetEpsilonFindings.Add(new AuditFinding(
                $"Dataset {dataset.Name} ({id}) had its ε cap changed from {new Epsilon(from)} to {new Epsilon(to)}, but the cap was {new Epsilon(dataset.EpsilonCap)} and caps only fall.",
                Block: e.BlockNumber));
        }

        dataset.EpsilonCap = to;
    }

    private void ApplyDatasetSpent(ContractEvent e)
    {
        var v = e.Values;
        var id = v.GetHash32("datasetId");
        var epsilon = checked((long)v.GetUInt64("epsilon"));
        var spent = checked((long)v.GetUInt64("spent"));
        var cap = checked((long)v.GetUInt64("cap"));
        if (!Datasets.TryGetValue(id, out var dataset))
        {
            DatasetEpsilonFindings.Add(new AuditFinding($"ε was spent on dataset {id}, which was never published.", Block: e.BlockNumber));
            return;
        }

        dataset.SpentByEvents += epsilon;
        if (spent != dataset.SpentByEvents)
        {
            DatasetEpsilonFindings.Add(new AuditFinding(
                $"Licenses reports ε {new Epsilon(spent)} spent on dataset {dataset.Name} ({id}); its consumptions add up to ε {new Epsilon(dataset.SpentByEvents)}.",
                Block: e.BlockNumber));
        }

        if (cap != dataset.EpsilonCap)
        {
            DatasetEpsilonFindings.Add(new AuditFinding(
                $"Licenses checked ε on dataset {dataset.Name} ({id}) against a cap of {new Epsilon(cap)}, but the cap in force was {new Epsilon(dataset.EpsilonCap)}.",
                Block: e.BlockNumber));
        }
    }

    /// <summary>
    /// What the grade and cap in force at the job's block allow: never an exact answer on SENSITIVE (HE scoring excepted, as in
    /// Licenses.consume: it is no answer about the population but each scored subject's own scores, under that subject's
    /// consent), never past the cap.
    /// </summary>
    private void CheckPrivacy(ContractEvent e, ulong jobId, ulong licenseId, Hash32 datasetId, ComputationKind kind, long epsilon)
    {
        SensitiveExactChecks++;
        if (!Datasets.TryGetValue(datasetId, out var dataset))
        {
            // The submission check reports a job on a dataset never published.
            return;
        }

        if (epsilon == 0 && dataset.Grade == ProtectionGrade.Sensitive)
        {
            SensitiveExactJobs++;
        }

        if (epsilon == 0 && dataset.Grade == ProtectionGrade.Sensitive && kind == ComputationKind.HeScoring)
        {
            SensitiveExactScoringJobs++;
        }
        else if (epsilon == 0 && dataset.Grade == ProtectionGrade.Sensitive)
        {
            SensitiveExactFindings.Add(new AuditFinding(
                $"Job {jobId} (kind {kind}) was accepted with ε = 0 on dataset {dataset.Name} ({datasetId}) while it was SENSITIVE; a SENSITIVE dataset never answers exactly, and only HE scoring, authorised by each subject's consent, is exempt.",
                jobId,
                licenseId == 0 ? null : licenseId,
                e.BlockNumber));
        }

        if (epsilon == 0)
        {
            return;
        }

        DatasetEpsilonChecks++;
        dataset.SpentByJobs += epsilon;
        if (dataset.SpentByJobs > dataset.EpsilonCap)
        {
            DatasetEpsilonFindings.Add(new AuditFinding(
                $"Job {jobId} brought the ε spent on dataset {dataset.Name} ({datasetId}) to {new Epsilon(dataset.SpentByJobs)}, past its cap of {new Epsilon(dataset.EpsilonCap)} in force then.",
                jobId,
                licenseId == 0 ? null : licenseId,
                e.BlockNumber));
        }
    }

    private void ApplyGrant(ContractEvent e)
    {
        var v = e.Values;
        var id = v.GetUInt64("licenseId");
        if (Licenses.ContainsKey(id))
        {
            LicenseFindings.Add(new AuditFinding($"License {id} was granted a second time.", LicenseId: id, Block: e.BlockNumber));
            return;
        }

        LicenseChecks++;
        var requestId = v.GetUInt64("requestId");
        var datasetId = v.GetHash32("datasetId");
        var licensee = v.GetAddress("licensee");
        if (!_requests.TryGetValue(requestId, out var request))
        {
            LicenseFindings.Add(new AuditFinding($"License {id} was granted for request {requestId}, which was never made.", LicenseId: id, Block: e.BlockNumber));
        }
        else
        {
            if (request.Answered)
            {
                LicenseFindings.Add(new AuditFinding($"License {id} was granted for request {requestId}, which had already been granted or rejected.", LicenseId: id, Block: e.BlockNumber));
            }

            if (request.DatasetId != datasetId || request.Enterprise != licensee)
            {
                LicenseFindings.Add(new AuditFinding(
                    $"License {id} grants dataset {datasetId} to {licensee}, but request {requestId} asked for dataset {request.DatasetId} for {request.Enterprise}.",
                    LicenseId: id,
                    Block: e.BlockNumber));
            }

            request.Answered = true;
        }

        var quota = (long)v.GetUInt64("quota");
        var epsilon = checked((long)v.GetUInt64("epsilonBudget"));
        Licenses[id] = new LicenseState(
            id,
            datasetId,
            licensee,
            (ComputationKindSet)(uint)v.GetUInt64("kinds"),
            quota,
            epsilon,
            v.GetUInt64("expiresAt"),
            e.BlockNumber);
    }

    private void ApplyRevoke(ContractEvent e)
    {
        var id = e.Values.GetUInt64("licenseId");
        if (!Licenses.TryGetValue(id, out var license))
        {
            LicenseFindings.Add(new AuditFinding($"License {id} was revoked but never granted.", LicenseId: id, Block: e.BlockNumber));
            return;
        }

        if (license.RevokedBlock is not null)
        {
            LicenseFindings.Add(new AuditFinding($"License {id} was revoked a second time.", LicenseId: id, Block: e.BlockNumber));
            return;
        }

        license.RevokedBlock = e.BlockNumber;
    }

    private void ApplyConsumed(ContractEvent e)
    {
        var v = e.Values;
        var id = v.GetUInt64("licenseId");
        LicenseChecks++;
        if (!Licenses.TryGetValue(id, out var license))
        {
            LicenseFindings.Add(new AuditFinding($"License {id} was consumed but never granted.", LicenseId: id, Block: e.BlockNumber));
            return;
        }

        license.ConsumedEvents++;
        license.ConsumedQuota--;
        license.ConsumedEpsilon -= checked((long)v.GetUInt64("epsilon"));
        Compare(license, "Licenses.LicenseConsumed", license.ConsumedQuota, license.ConsumedEpsilon, v, e.BlockNumber, null);
    }

    private async Task ApplySubmittedAsync(ContractEvent e)
    {
        var v = e.Values;
        var jobId = v.GetUInt64("jobId");
        var licenseId = v.GetUInt64("licenseId");
        var datasetId = v.GetHash32("datasetId");
        var submitter = v.GetAddress("submitter");
        var kind = (ComputationKind)v.GetUInt64("kind");
        var epsilon = checked((long)v.GetUInt64("epsilon"));
        SubmissionChecks++;
        if (licenseId != 0)
        {
            LicenseChecks++;
        }

        if (Jobs.ContainsKey(jobId))
        {
            SubmissionFindings.Add(new AuditFinding($"Job {jobId} was accepted a second time.", jobId, licenseId, e.BlockNumber));
            return;
        }

        var datasetVersion = v.Contains("datasetVersion") ? checked((uint)v.GetUInt64("datasetVersion")) : 0;
        Jobs[jobId] = new JobState(jobId, licenseId, datasetId, submitter, v.GetHash32("specHash"), e.BlockNumber, epsilon) { DatasetVersion = datasetVersion };
        void Invalid(string what) => SubmissionFindings.Add(new AuditFinding($"Job {jobId} was accepted although {what}.", jobId, licenseId == 0 ? null : licenseId, e.BlockNumber));

        // A job names the version current at its block: the last VersionPublished of its dataset so far.
        if (datasetVersion != 0 && Datasets.TryGetValue(datasetId, out var named) && (named.Versions.Count == 0 || named.Versions[^1].Number != datasetVersion))
        {
            Invalid($"it names version {datasetVersion} of dataset {datasetId}, but the current version at that block was {(named.Versions.Count == 0 ? "none" : named.Versions[^1].Number.ToString(System.Globalization.CultureInfo.InvariantCulture))}");
        }

        CheckPrivacy(e, jobId, licenseId, datasetId, kind, epsilon);
        if (licenseId == 0)
        {
            CheckOpen(e, Invalid, datasetId, kind, epsilon);
            return;
        }

        if (!Licenses.TryGetValue(licenseId, out var license))
        {
            Invalid($"license {licenseId} was never granted");
            return;
        }

        license.Jobs++;
        license.QuotaRemaining--;
        license.EpsilonRemaining -= epsilon;
        Compare(license, $"Jobs.{e.Name} of job {jobId}", license.QuotaRemaining, license.EpsilonRemaining, v, e.BlockNumber, jobId);

        if (license.Licensee != submitter)
        {
            Invalid($"its submitter {submitter} is not license {licenseId}'s licensee {license.Licensee}");
        }

        if (license.RevokedBlock is { } revoked)
        {
            Invalid($"license {licenseId} was revoked at block {revoked}");
        }

        var timestamp = await TimestampAsync(e.BlockNumber).ConfigureAwait(false);
        if (timestamp >= license.ExpiresAt)
        {
            Invalid($"license {licenseId} had expired (block time {timestamp} ≥ expiry {license.ExpiresAt})");
        }

        if (!license.Kinds.Allows(kind))
        {
            Invalid($"its kind {kind} is not among license {licenseId}'s kinds ({license.Kinds})");
        }

        if (license.DatasetId != datasetId)
        {
            Invalid($"it names dataset {datasetId} but license {licenseId} is for dataset {license.DatasetId}");
        }

        if (!Datasets.TryGetValue(license.DatasetId, out var dataset))
        {
            Invalid($"dataset {license.DatasetId} was never published");
        }
        else if (dataset.Retired)
        {
            Invalid($"dataset {license.DatasetId} was retired");
        }

        if (!Participants.TryGetValue(submitter, out var participant) || participant.Role != Role.Enterprise)
        {
            Invalid($"its submitter {submitter} is not an admitted enterprise");
        }
        else if (participant.Suspended)
        {
            Invalid($"its submitter {submitter} was suspended");
        }
    }

    /// <summary>A job without a license is valid only as an open aggregate, with no ε, on a dataset OPEN and active at its block.</summary>
    private void CheckOpen(ContractEvent e, Action<string> invalid, Hash32 datasetId, ComputationKind kind, long epsilon)
    {
        var v = e.Values;
        if (e.Name != "JobSubmitted")
        {
            invalid("it has no license and its spec is off chain (only an open aggregate may run without a license)");
        }

        if (!Datasets.TryGetValue(datasetId, out var dataset))
        {
            invalid($"it has no license and dataset {datasetId} was never published");
            return;
        }

        if (dataset.Grade != ProtectionGrade.Open)
        {
            invalid($"it has no license and dataset {dataset.Name} ({datasetId}) was {dataset.Grade.Name()}, not OPEN, at that block");
        }

        if (dataset.Retired)
        {
            invalid($"dataset {dataset.Name} ({datasetId}) was retired");
        }

        if (kind != ComputationKind.Aggregate || !dataset.AllowedKinds.Allows(kind))
        {
            invalid($"it has no license and its kind {kind} is not an aggregate the dataset allows (only those are open)");
        }

        if (epsilon != 0 || v.GetUInt64("quotaRemaining") != 0 || v.GetUInt64("epsilonRemaining") != 0)
        {
            invalid("it has no license but reports ε, quota or ε left (an open job has none)");
        }
    }

    private async Task ApplyFinishedAsync(ContractEvent e)
    {
        var v = e.Values;
        var jobId = v.GetUInt64("jobId");
        var node = v.GetAddress("node");
        var completed = e.Name == "JobCompleted";
        CompletionChecks++;
        if (!Jobs.TryGetValue(jobId, out var job))
        {
            CompletionFindings.Add(new AuditFinding($"Job {jobId} was {(completed ? "completed" : "failed")} but never accepted.", jobId, Block: e.BlockNumber));
            return;
        }

        void Bad(string what) => CompletionFindings.Add(new AuditFinding(what, jobId, job.LicenseId, e.BlockNumber));

        if (job.Status != JobStatus.Pending)
        {
            Bad($"Job {jobId} was finished a second time (it was already {job.Status.ToString().ToLowerInvariant()} at block {job.FinishedBlock}).");
            return;
        }

        job.Status = completed ? JobStatus.Completed : JobStatus.Failed;
        job.FinishedBlock = e.BlockNumber;
        job.FinishedLogIndex = e.LogIndex;
        job.CompletedBy = node;
        if (job.Join is not null && completed)
        {
            Bad($"Join {jobId} was completed by node {node}; only an attested enclave completes a join.");
        }
        else if (!IsJobNode(job, node))
        {
            Bad($"Job {jobId} was finished by {node}, not by {(job.Join is null ? "its dataset's node" : "the node of any of its datasets")}.");
        }

        if (!Participants.TryGetValue(node, out var participant) || participant.Role != Role.Node)
        {
            Bad($"Job {jobId} was finished by {node}, which is not an admitted node.");
        }
        else if (participant.Suspended)
        {
            Bad($"Job {jobId} was finished by node {node} while it was suspended.");
        }

        if (!completed)
        {
            // Refused before reading a row: refunded. Refused after reading rows (failCharged): nothing comes back.
            if (v.GetBool("refunded"))
            {
                Close(job);
            }
            else
            {
                job.Charged = true;
            }

            return;
        }

        job.ResultHash = v.GetHash32("resultHash");
        var digest = JobsContract.ResultDigest(_deployment.Jobs, _deployment.ChainId, jobId, job.ResultHash);
        var expected = SignerOf(node);
        if (!PersonalMessage.TryRecoverSigner(digest.Span, v.GetBytes("signature"), out var recovered, out var error))
        {
            Bad($"Job {jobId}'s result signature does not verify ({error}).");
        }
        else if (expected is null || recovered != expected.Value)
        {
            Bad($"Job {jobId}'s result is signed by {recovered}, not by node {node}'s registered signer {expected?.ToString() ?? "(none)"}.");
        }

        if (Licenses.TryGetValue(job.LicenseId, out var license))
        {
            if (license.RevokedBlock is { } revoked)
            {
                Bad($"Job run on a revoked license: job {jobId} was completed at block {e.BlockNumber} after license {job.LicenseId} was revoked at block {revoked}.");
            }

            var timestamp = await TimestampAsync(e.BlockNumber).ConfigureAwait(false);
            if (timestamp >= license.ExpiresAt)
            {
                Bad($"Job run on an expired license: job {jobId} was completed at block time {timestamp}, after license {job.LicenseId} expired at {license.ExpiresAt}.");
            }
        }
    }

    /// <summary>A submitter cancelled a job: it must have been pending and theirs (the deadline is checked in <see cref="FinishClosureAsync"/>).</summary>
    private void ApplyCancelled(ContractEvent e)
    {
        var v = e.Values;
        var jobId = v.GetUInt64("jobId");
        var by = v.GetAddress("submitter");
        ClosureChecks++;
        if (!Jobs.TryGetValue(jobId, out var job))
        {
            ClosureFindings.Add(new AuditFinding($"Job {jobId} was cancelled but never accepted.", jobId, Block: e.BlockNumber));
            return;
        }

        if (job.Status != JobStatus.Pending)
        {
            ClosureFindings.Add(new AuditFinding(
                $"Job {jobId} was cancelled although it was already {Describe(job.Status)} at block {job.FinishedBlock}.", jobId, job.LicenseId, e.BlockNumber));
            return;
        }

        if (by != job.Submitter)
        {
            ClosureFindings.Add(new AuditFinding($"Job {jobId} was cancelled by {by}, not by its submitter {job.Submitter}.", jobId, job.LicenseId, e.BlockNumber));
        }

        job.Status = JobStatus.Cancelled;
        job.FinishedBlock = e.BlockNumber;
        job.FinishedLogIndex = e.LogIndex;
        Close(job);
    }

    /// <summary>A job closed without a result no longer holds its quota and ε, on Jobs' side of the tally or against its dataset's cap.</summary>
    private void Close(JobState job)
    {
        if (job.Join is not null)
        {
            CloseJoin(job);
            return;
        }

        if (job.LicenseId == 0)
        {
            return;
        }

        if (Licenses.TryGetValue(job.LicenseId, out var license))
        {
            license.QuotaRemaining++;
            license.EpsilonRemaining += job.Epsilon;
        }

        if (Datasets.TryGetValue(job.DatasetId, out var dataset))
        {
            dataset.SpentByJobs -= job.Epsilon;
        }
    }

    /// <summary>Licenses gave a job's quota and ε back: the job must be a failed or cancelled one of that license, refunded once, exactly.</summary>
    private void ApplyRefund(ContractEvent e)
    {
        var v = e.Values;
        var licenseId = v.GetUInt64("licenseId");
        var jobId = v.GetUInt64("jobId");
        var epsilon = checked((long)v.GetUInt64("epsilon"));
        ClosureChecks++;
        void Bad(string what) => ClosureFindings.Add(new AuditFinding(what, jobId, licenseId, e.BlockNumber));
        if (!Jobs.TryGetValue(jobId, out var job))
        {
            Bad($"License {licenseId} was refunded ε {new Epsilon(epsilon)} for job {jobId}, which was never accepted.");
        }
        else
        {
            job.Refunds++;
            var refundsOfLicense = job.Join is null ? job.Refunds : job.RefundsByLicense[licenseId] = job.RefundsByLicense.GetValueOrDefault(licenseId) + 1;
            if (job.Charged)
            {
                Bad($"License {licenseId} was refunded for job {jobId}, which was failed charged (refused after reading rows, JobFailed refunded = false): a charged failure refunds nothing.");
            }
            else if (job.Status is not (JobStatus.Failed or JobStatus.Cancelled))
            {
                Bad($"License {licenseId} was refunded for job {jobId}, which was {Describe(job.Status)}, not failed or cancelled.");
            }
            else if (refundsOfLicense > 1)
            {
                Bad($"License {licenseId} was refunded a second time for job {jobId}.");
            }

            if (job.Join is not null ? !job.Join.Any(j => j.LicenseId == licenseId) : job.LicenseId != licenseId)
            {
                Bad($"License {licenseId} was refunded for job {jobId}, which ran under license {job.LicenseId}.");
            }

            if (job.Epsilon != epsilon)
            {
                Bad($"License {licenseId} was refunded ε {new Epsilon(epsilon)} for job {jobId}, which spent ε {new Epsilon(job.Epsilon)}; a refund gives back exactly what the job spent.");
            }
        }

        LicenseChecks++;
        if (!Licenses.TryGetValue(licenseId, out var license))
        {
            LicenseFindings.Add(new AuditFinding($"License {licenseId} was refunded but never granted.", jobId, licenseId, e.BlockNumber));
            return;
        }

        license.ConsumedQuota++;
        license.ConsumedEpsilon += epsilon;
        if (license.ConsumedQuota > license.Quota || license.ConsumedEpsilon > license.EpsilonBudget)
        {
            LicenseFindings.Add(new AuditFinding($"License {licenseId} was refunded past its grant at the refund of job {jobId}.", jobId, licenseId, e.BlockNumber));
        }

        Compare(license, $"Licenses.LicenseRefunded of job {jobId}", license.ConsumedQuota, license.ConsumedEpsilon, v, e.BlockNumber, jobId);
    }

    private void ApplyDatasetRefund(ContractEvent e)
    {
        var v = e.Values;
        var id = v.GetHash32("datasetId");
        var epsilon = checked((long)v.GetUInt64("epsilon"));
        var spent = checked((long)v.GetUInt64("spent"));
        if (!Datasets.TryGetValue(id, out var dataset))
        {
            DatasetEpsilonFindings.Add(new AuditFinding($"ε was refunded on dataset {id}, which was never published.", Block: e.BlockNumber));
            return;
        }

        dataset.SpentByEvents -= epsilon;
        if (spent != dataset.SpentByEvents)
        {
            DatasetEpsilonFindings.Add(new AuditFinding(
                $"Licenses reports ε {new Epsilon(spent)} spent on dataset {dataset.Name} ({id}) after a refund; its consumptions and refunds add up to ε {new Epsilon(dataset.SpentByEvents)}.",
                Block: e.BlockNumber));
        }
    }

    private static string Describe(JobStatus status) => status.ToString().ToLowerInvariant();

    private void Compare(LicenseState license, string source, long quota, long epsilon, DataTrust.Ledger.Abi.AbiValues v, ulong block, ulong? jobId)
    {
        var reportedQuota = (long)v.GetUInt64("quotaRemaining");
        var reportedEpsilon = checked((long)v.GetUInt64("epsilonRemaining"));
        if (quota < 0)
        {
            LicenseFindings.Add(new AuditFinding($"License {license.Id}'s quota went negative ({quota}) at {source}.", jobId, license.Id, block));
        }

        if (epsilon < 0)
        {
            LicenseFindings.Add(new AuditFinding($"License {license.Id}'s ε went negative ({new Epsilon(-epsilon)} overspent) at {source}.", jobId, license.Id, block));
        }

        if (reportedQuota != quota)
        {
            LicenseFindings.Add(new AuditFinding($"{source} reports {reportedQuota} jobs left on license {license.Id}; the grant and consumptions give {quota}.", jobId, license.Id, block));
        }

        if (reportedEpsilon != epsilon)
        {
            LicenseFindings.Add(new AuditFinding($"{source} reports ε {reportedEpsilon} µ left on license {license.Id}; the grant and consumptions give {epsilon} µ.", jobId, license.Id, block));
        }
    }

    private async Task<ulong> TimestampAsync(ulong block)
    {
        if (!_timestamps.TryGetValue(block, out var timestamp))
        {
            timestamp = await _timestamp(block).ConfigureAwait(false);
            _timestamps[block] = timestamp;
        }

        return timestamp;
    }

    internal sealed class RequestState(Hash32 datasetId, Address enterprise)
    {
        public Hash32 DatasetId { get; } = datasetId;

        public Address Enterprise { get; } = enterprise;

        public bool Answered { get; set; }
    }

    internal sealed class ParticipantState(Role role, string name)
    {
        public Role Role { get; } = role;

        public string Name { get; } = name;

        public bool Suspended { get; set; }
    }

    internal sealed class DatasetState(string name, Address @operator, Address node)
    {
        public string Name { get; } = name;

        public Address Operator { get; } = @operator;

        public Address Node { get; } = node;

        public bool Retired { get; set; }

        public ProtectionGrade Grade { get; set; }

        public ComputationKindSet AllowedKinds { get; init; }

        /// <summary>The cap in force, in millionths.</summary>
        public long EpsilonCap { get; set; }

        /// <summary>ε of the accepted jobs so far, in millionths.</summary>
        public long SpentByJobs { get; set; }

        /// <summary>ε the Licenses contract reported spent so far (DatasetEpsilonSpent), in millionths.</summary>
        public long SpentByEvents { get; set; }

        /// <summary>Its versions in publication order (VersionPublished); the last is current.</summary>
        public List<DatasetVersionState> Versions { get; } = [];

        /// <summary>The commitment of one version, or null when it was never published.</summary>
        public Hash32? CommitmentOf(uint version) => Versions.FirstOrDefault(v => v.Number == version)?.SnapshotCommitment;
    }

    /// <summary>One published version of a dataset, as its VersionPublished event records it.</summary>
    internal sealed record DatasetVersionState(uint Number, Hash32 SnapshotCommitment, ulong RowCount, ulong PublishedBlock);

    internal sealed class LicenseState(ulong id, Hash32 datasetId, Address licensee, ComputationKindSet kinds, long quota, long epsilonBudget, ulong expiresAt, ulong grantedBlock)
    {
        public ulong Id { get; } = id;

        public Hash32 DatasetId { get; } = datasetId;

        public Address Licensee { get; } = licensee;

        public ComputationKindSet Kinds { get; } = kinds;

        public long Quota { get; } = quota;

        public long EpsilonBudget { get; } = epsilonBudget;

        public ulong ExpiresAt { get; } = expiresAt;

        public ulong GrantedBlock { get; } = grantedBlock;

        public ulong? RevokedBlock { get; set; }

        public long QuotaRemaining { get; set; } = quota;

        public long EpsilonRemaining { get; set; } = epsilonBudget;

        public long ConsumedQuota { get; set; } = quota;

        public long ConsumedEpsilon { get; set; } = epsilonBudget;

        public int ConsumedEvents { get; set; }

        public int Jobs { get; set; }
    }

    internal sealed partial class JobState(ulong id, ulong licenseId, Hash32 datasetId, Address submitter, Hash32 specHash, ulong submittedBlock, long epsilon)
    {
        /// <summary>ε it spent, in millionths.</summary>
        public long Epsilon { get; } = epsilon;

        /// <summary>How many LicenseRefunded events named it (exactly one for a refunded failure or a cancellation of a licensed job, none for a charged failure).</summary>
        public int Refunds { get; set; }

        /// <summary>True when it was failed with nothing refunded (JobFailed refunded = false: refused after reading rows).</summary>
        public bool Charged { get; set; }

        public ulong Id { get; } = id;

        public ulong LicenseId { get; } = licenseId;

        public Hash32 DatasetId { get; } = datasetId;

        public Address Submitter { get; } = submitter;

        public Hash32 SpecHash { get; } = specHash;

        /// <summary>The dataset version it runs on, from its submit event (0 when the event has none).</summary>
        public uint DatasetVersion { get; init; }

        public ulong SubmittedBlock { get; } = submittedBlock;

        public JobStatus Status { get; set; } = JobStatus.Pending;

        public Hash32 ResultHash { get; set; }

        public Address CompletedBy { get; set; }

        public ulong FinishedBlock { get; set; }

        public ulong FinishedLogIndex { get; set; }
    }
}
