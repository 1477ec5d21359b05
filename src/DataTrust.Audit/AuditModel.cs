using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Audit;

/// <summary>What an audit reads besides the chain: result files and node execution logs.</summary>
/// <param name="ResultFiles">Paths of result files handed to the auditor.</param>
/// <param name="ExecutionLogs">Node execution logs, each with the node account it belongs to.</param>
/// <param name="ToBlock">The last block to replay, or null for the latest.</param>
public sealed record AuditInputs(IReadOnlyList<string> ResultFiles, IReadOnlyList<ExecutionLogInput> ExecutionLogs, ulong? ToBlock = null)
{
    /// <summary>No files: audit the chain alone, up to the latest block.</summary>
    public static AuditInputs ChainOnly { get; } = new([], []);

    /// <summary>Node release logs (issue 12) to check against the chain; the release-logs check runs only when some are given.</summary>
    public IReadOnlyList<ReleaseLogInput> ReleaseLogs { get; init; } = [];
}

/// <summary>A node's execution log and the node account it belongs to.</summary>
/// <param name="Path">The log file.</param>
/// <param name="Node">The node account.</param>
public sealed record ExecutionLogInput(string Path, Address Node);

/// <summary>The outcome of one check.</summary>
public enum AuditVerdict
{
    /// <summary>Nothing was found wrong.</summary>
    Pass,

    /// <summary>At least one violation was found.</summary>
    Fail,
}

/// <summary>One violation: what is wrong and where.</summary>
/// <param name="What">One sentence.</param>
/// <param name="JobId">The job it concerns, if any.</param>
/// <param name="LicenseId">The license it concerns, if any.</param>
/// <param name="Block">The block of the offending event, if any.</param>
public sealed record AuditFinding(string What, ulong? JobId = null, ulong? LicenseId = null, ulong? Block = null);

/// <summary>A named check with its verdict and findings.</summary>
/// <param name="Name">Short stable name (e.g. <c>licenses</c>).</param>
/// <param name="Description">What the check establishes.</param>
/// <param name="Checked">How many items were checked.</param>
/// <param name="Findings">The violations; empty when the check passes.</param>
public sealed record AuditCheck(string Name, string Description, int Checked, IReadOnlyList<AuditFinding> Findings)
{
    /// <summary>What the check counted beyond <see cref="Checked"/>, in one sentence (e.g. the jobs a rule exempts); null when nothing.</summary>
    public string? Figures { get; init; }

    /// <summary>The same figures as an AuditReportText key and its arguments, so the HTML report can say them in another language.</summary>
    internal LocalizedFigures? LocalizedFigures { get; init; }

    /// <summary>Pass when there are no findings.</summary>
    public AuditVerdict Verdict => Findings.Count == 0 ? AuditVerdict.Pass : AuditVerdict.Fail;
}

/// <summary>How much the replayed trail holds.</summary>
/// <param name="Participants">Admitted accounts (nodes included).</param>
/// <param name="Datasets">Published datasets.</param>
/// <param name="Licenses">Granted licenses.</param>
/// <param name="JobsCompleted">Jobs completed.</param>
/// <param name="JobsFailed">Jobs failed.</param>
/// <param name="JobsPending">Jobs accepted and not finished.</param>
/// <param name="Events">Events replayed.</param>
public sealed record AuditCounts(int Participants, int Datasets, int Licenses, int JobsCompleted, int JobsFailed, int JobsPending, int Events)
{
    /// <summary>Jobs cancelled by their submitter after the pending deadline.</summary>
    public int JobsCancelled { get; init; }
}

/// <summary>A participant as the trail shows it at the audited block.</summary>
/// <param name="Account">The account.</param>
/// <param name="Role">Its role.</param>
/// <param name="Name">Its registered name.</param>
/// <param name="Suspended">Whether it is suspended at the end of the range.</param>
public sealed record AuditParticipant(Address Account, Role Role, string Name, bool Suspended);

/// <summary>A dataset as the trail shows it.</summary>
/// <param name="Id">The dataset id.</param>
/// <param name="Name">Its name.</param>
/// <param name="Operator">The operator that published it.</param>
/// <param name="Node">The node that serves it.</param>
/// <param name="Retired">Whether it is retired at the end of the range.</param>
public sealed record AuditDataset(Hash32 Id, string Name, Address Operator, Address Node, bool Retired)
{
    /// <summary>Its protection grade at the end of the range.</summary>
    public ProtectionGrade Grade { get; init; }

    /// <summary>Its ε cap at the end of the range, in millionths.</summary>
    public long EpsilonCapMicros { get; init; }

    /// <summary>The ε its accepted jobs spent, across all licenses, in millionths.</summary>
    public long EpsilonSpentMicros { get; init; }

    /// <summary>Its published versions, oldest first (the last is current), each with its snapshot commitment.</summary>
    public IReadOnlyList<AuditDatasetVersion> Versions { get; init; } = [];
}

/// <summary>One license's ledger of quota and ε, recomputed from the events.</summary>
/// <param name="LicenseId">The license.</param>
/// <param name="DatasetId">Its dataset.</param>
/// <param name="Licensee">The enterprise.</param>
/// <param name="Kinds">Allowed computation kinds.</param>
/// <param name="Quota">Jobs granted.</param>
/// <param name="QuotaRemaining">Jobs left, recomputed.</param>
/// <param name="EpsilonBudgetMicros">ε granted, in millionths.</param>
/// <param name="EpsilonRemainingMicros">ε left, recomputed, in millionths (negative would be a violation).</param>
/// <param name="ExpiresAt">Expiry, unix seconds.</param>
/// <param name="GrantedBlock">Block of the grant.</param>
/// <param name="RevokedBlock">Block of the revocation, if revoked.</param>
/// <param name="Jobs">Jobs accepted under the license.</param>
public sealed record LicenseLedgerEntry(
    ulong LicenseId,
    Hash32 DatasetId,
    Address Licensee,
    ComputationKindSet Kinds,
    long Quota,
    long QuotaRemaining,
    long EpsilonBudgetMicros,
    long EpsilonRemainingMicros,
    ulong ExpiresAt,
    ulong GrantedBlock,
    ulong? RevokedBlock,
    int Jobs);

/// <summary>The result of an audit: what was replayed, every check with its verdict, and the license ledgers.</summary>
/// <param name="Deployment">The audited deployment.</param>
/// <param name="FromBlock">First block replayed (the deployment block).</param>
/// <param name="ToBlock">Last block replayed.</param>
/// <param name="Counts">How much the trail holds.</param>
/// <param name="Checks">The checks, in a fixed order.</param>
/// <param name="Participants">Participants seen.</param>
/// <param name="Datasets">Datasets seen.</param>
/// <param name="Licenses">Per-license ledgers.</param>
/// <param name="GeneratedAt">When the audit ran.</param>
public sealed record AuditReport(
    Deployment Deployment,
    ulong FromBlock,
    ulong ToBlock,
    AuditCounts Counts,
    IReadOnlyList<AuditCheck> Checks,
    IReadOnlyList<AuditParticipant> Participants,
    IReadOnlyList<AuditDataset> Datasets,
    IReadOnlyList<LicenseLedgerEntry> Licenses,
    DateTimeOffset GeneratedAt)
{
    /// <summary>Pass only when every check passes.</summary>
    public AuditVerdict Verdict => Checks.All(c => c.Verdict == AuditVerdict.Pass) ? AuditVerdict.Pass : AuditVerdict.Fail;

    /// <summary>The check with this name.</summary>
    /// <exception cref="KeyNotFoundException">There is no such check.</exception>
    public AuditCheck Check(string name) => Checks.FirstOrDefault(c => c.Name == name)
        ?? throw new KeyNotFoundException($"The report has no check named '{name}'; names are {string.Join(", ", Checks.Select(c => c.Name))}.");
}

/// <summary>One published version of a dataset in an audit report.</summary>
/// <param name="Number">The version number (from 1).</param>
/// <param name="SnapshotCommitment">Its snapshot commitment on chain.</param>
/// <param name="RowCount">Its row count on chain.</param>
/// <param name="PublishedBlock">The block it was published in.</param>
/// <param name="Jobs">How many jobs named it.</param>
public sealed record AuditDatasetVersion(uint Number, Hash32 SnapshotCommitment, ulong RowCount, ulong PublishedBlock, int Jobs);
