using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Contracts;

/// <summary>A participant's role on chain (Participants.Role).</summary>
public enum Role : byte
{
    /// <summary>Not admitted.</summary>
    None = 0,

    /// <summary>A data operator (数据运营方): publishes datasets, grants and revokes licenses.</summary>
    Operator = 1,

    /// <summary>An enterprise (数据使用方): requests licenses and submits jobs.</summary>
    Enterprise = 2,

    /// <summary>An auditor (审计方).</summary>
    Auditor = 3,

    /// <summary>A domain node: the only party that completes jobs on its datasets.</summary>
    Node = 4,
}

/// <summary>The state of a license request (Licenses.RequestStatus).</summary>
public enum RequestStatus : byte
{
    /// <summary>No such request.</summary>
    None = 0,

    /// <summary>Waiting for the operator.</summary>
    Pending = 1,

    /// <summary>Granted; see its license.</summary>
    Granted = 2,

    /// <summary>Rejected by the operator.</summary>
    Rejected = 3,
}

/// <summary>The state of a job (Jobs.JobStatus).</summary>
public enum JobStatus : byte
{
    /// <summary>No such job.</summary>
    None = 0,

    /// <summary>Accepted under a license, not yet run.</summary>
    Pending = 1,

    /// <summary>Run; its result hash and the node's signature are on chain.</summary>
    Completed = 2,

    /// <summary>Refused by the node before any row was read, with a reason on chain; a licensed job's quota and ε were refunded.</summary>
    Failed = 3,

    /// <summary>Cancelled by its submitter after pending past the deployment's deadline; a licensed job's quota and ε were refunded.</summary>
    Cancelled = 4,
}

/// <summary>A participant as the chain records it.</summary>
/// <param name="Account">The account.</param>
/// <param name="Role">Its role.</param>
/// <param name="Suspended">True while suspended by the authority.</param>
/// <param name="Name">Its name.</param>
/// <param name="CreditCode">An enterprise's unified social credit code (统一社会信用代码), else empty.</param>
/// <param name="AdmittedAtBlock">The block it was admitted in.</param>
public sealed record Participant(Address Account, Role Role, bool Suspended, string Name, string CreditCode, ulong AdmittedAtBlock);

/// <summary>A domain node's entry: its domain, gRPC endpoint, and the address whose signatures on results count.</summary>
/// <param name="Account">The node's account.</param>
/// <param name="Domain">Its data domain, e.g. <c>tax</c>.</param>
/// <param name="Endpoint">Its gRPC endpoint.</param>
/// <param name="Signer">The address that signs its results.</param>
public sealed record NodeInfo(Address Account, string Domain, string Endpoint, Address Signer);

/// <summary>One column of a dataset's on-chain policy.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Type">Its type.</param>
/// <param name="Permissions">What queries may do with it (none makes it unusable).</param>
/// <param name="LowerBound">Clamp range lower end for AGGREGATE columns (DP sensitivity); 0 with 0 means none.</param>
/// <param name="UpperBound">Clamp range upper end.</param>
/// <param name="Domain">The public values of a GROUP_BY column's keys (canonical text); empty when none is declared.</param>
/// <param name="GridStep">The public grid of a numeric FILTER column's literals; 0 when none is declared.</param>
/// <param name="Bucket">The column's bucket policy in canonical text (<c>BucketPolicy.Format</c>); empty when none is declared.</param>
public sealed record ColumnSpec(
    string Name,
    ColumnType Type,
    ColumnPermissions Permissions,
    BigInteger LowerBound,
    BigInteger UpperBound,
    IReadOnlyList<string>? Domain = null,
    BigInteger GridStep = default,
    string Bucket = "")
{
    /// <summary>Value equality that compares the domain element by element.</summary>
    public bool Equals(ColumnSpec? other) =>
        other is not null && Name == other.Name && Type == other.Type && Permissions == other.Permissions
        && LowerBound == other.LowerBound && UpperBound == other.UpperBound && GridStep == other.GridStep
        && string.Equals(Bucket, other.Bucket, StringComparison.Ordinal)
        && (Domain ?? []).SequenceEqual(other.Domain ?? [], StringComparer.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, Type, Permissions, LowerBound, UpperBound, GridStep);
}

/// <summary>A dataset as an operator publishes it into the catalog.</summary>
/// <param name="Id">The dataset id.</param>
/// <param name="Name">A readable name.</param>
/// <param name="Node">The domain node that holds it.</param>
/// <param name="SchemaHash">The hash of its schema.</param>
/// <param name="RowCount">Its row count.</param>
/// <param name="SnapshotCommitment">A commitment to the data snapshot.</param>
/// <param name="Grade">Its protection grade (OPEN, RESTRICTED, SENSITIVE).</param>
/// <param name="MinGroupSize">The minimum group size k.</param>
/// <param name="DominanceN">The n of the (n, p%) dominance rule.</param>
/// <param name="DominancePercent">The p of the (n, p%) dominance rule; 0 disables it.</param>
/// <param name="AllowedKinds">The computation kinds it allows.</param>
/// <param name="Columns">The column policy.</param>
public sealed record DatasetSpec(
    Hash32 Id,
    string Name,
    Address Node,
    Hash32 SchemaHash,
    ulong RowCount,
    Hash32 SnapshotCommitment,
    ProtectionGrade Grade,
    uint MinGroupSize,
    byte DominanceN,
    byte DominancePercent,
    ComputationKindSet AllowedKinds,
    IReadOnlyList<ColumnSpec> Columns)
{
    /// <summary>The ε all licenses of the dataset may spend together (6-decimal fixed point on chain).</summary>
    public Epsilon EpsilonCap { get; init; } = Epsilon.Zero;

    /// <summary>Value equality that compares the columns element by element.</summary>
    public bool Equals(DatasetSpec? other) =>
        other is not null && Id == other.Id && Name == other.Name && Node == other.Node && SchemaHash == other.SchemaHash
        && RowCount == other.RowCount && SnapshotCommitment == other.SnapshotCommitment && Grade == other.Grade
        && MinGroupSize == other.MinGroupSize && DominanceN == other.DominanceN && DominancePercent == other.DominancePercent
        && AllowedKinds == other.AllowedKinds && EpsilonCap == other.EpsilonCap && Columns.SequenceEqual(other.Columns);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Id, Name, Node, RowCount, Grade, Columns.Count);
}

/// <summary>A dataset's protection grade and ε cap as the chain holds them now (Catalog.privacyTerms).</summary>
/// <param name="Grade">Its protection grade.</param>
/// <param name="EpsilonCap">The ε all its licenses may spend together.</param>
public sealed record PrivacyTerms(ProtectionGrade Grade, Epsilon EpsilonCap);

/// <summary>One version (snapshot) of a dataset as the catalog records it; a retired version is kept, never overwritten.</summary>
/// <param name="DatasetId">The dataset.</param>
/// <param name="Number">The version number (from 1).</param>
/// <param name="SchemaHash">The schema hash of this snapshot.</param>
/// <param name="RowCount">Its row count.</param>
/// <param name="SnapshotCommitment">Its snapshot commitment.</param>
/// <param name="PublishedAtBlock">The block it was published in.</param>
/// <param name="RetiredAtBlock">The block the next version replaced it in, or 0 while it is current.</param>
public sealed record DatasetVersion(Hash32 DatasetId, uint Number, Hash32 SchemaHash, ulong RowCount, Hash32 SnapshotCommitment, ulong PublishedAtBlock, ulong RetiredAtBlock)
{
    /// <summary>True while it is the dataset's current version.</summary>
    public bool IsCurrent => RetiredAtBlock == 0;
}

/// <summary>A catalog entry: the published spec and its state.</summary>
/// <param name="Spec">What was published (columns included).</param>
/// <param name="Operator">The operator that published it.</param>
/// <param name="Active">False once retired.</param>
/// <param name="PublishedAtBlock">The block it was published in.</param>
/// <param name="CurrentVersion">The version new jobs run on, whose snapshot the spec's schema hash, row count and commitment describe (0 when unknown).</param>
public sealed record Dataset(DatasetSpec Spec, Address Operator, bool Active, ulong PublishedAtBlock, uint CurrentVersion = 0);

/// <summary>An enterprise's request for a license.</summary>
/// <param name="Id">The request id.</param>
/// <param name="DatasetId">The dataset asked for.</param>
/// <param name="Enterprise">The requesting enterprise.</param>
/// <param name="Purpose">The stated purpose (应用场景).</param>
/// <param name="Status">Its state.</param>
/// <param name="LicenseId">The license granted for it, or 0.</param>
public sealed record LicenseRequest(ulong Id, Hash32 DatasetId, Address Enterprise, string Purpose, RequestStatus Status, ulong LicenseId);

/// <summary>A license as the chain records it, with what is left of it.</summary>
/// <param name="Id">The license id.</param>
/// <param name="RequestId">The request it answered.</param>
/// <param name="DatasetId">The dataset it covers.</param>
/// <param name="Licensee">The enterprise that holds it.</param>
/// <param name="Kinds">The computation kinds it allows.</param>
/// <param name="Quota">The number of jobs granted.</param>
/// <param name="QuotaRemaining">Jobs left.</param>
/// <param name="ExpiresAt">Unix time it expires at.</param>
/// <param name="EpsilonBudget">The ε budget granted.</param>
/// <param name="EpsilonRemaining">ε left.</param>
/// <param name="Revoked">True once revoked.</param>
/// <param name="GrantedAtBlock">The block it was granted in.</param>
public sealed record License(
    ulong Id,
    ulong RequestId,
    Hash32 DatasetId,
    Address Licensee,
    ComputationKindSet Kinds,
    uint Quota,
    uint QuotaRemaining,
    ulong ExpiresAt,
    Epsilon EpsilonBudget,
    Epsilon EpsilonRemaining,
    bool Revoked,
    ulong GrantedAtBlock);

/// <summary>A job as the chain records it.</summary>
/// <param name="Id">The job id.</param>
/// <param name="LicenseId">The license it was accepted under.</param>
/// <param name="DatasetId">The dataset it runs on.</param>
/// <param name="Submitter">The enterprise that submitted it.</param>
/// <param name="Kind">Its computation kind.</param>
/// <param name="SpecHash">Keccak-256 of its spec bytes.</param>
/// <param name="SpecSize">The size of its spec bytes.</param>
/// <param name="Epsilon">The ε it spent.</param>
/// <param name="Status">Its state.</param>
/// <param name="ResultHash">The result hash, once completed.</param>
/// <param name="SubmittedBlock">The block it was accepted in.</param>
/// <param name="FinishedBlock">The block it completed, failed or was cancelled in, or 0.</param>
/// <param name="SubmittedAt">The unix time it was accepted at, from which the pending deadline runs.</param>
/// <param name="DatasetVersion">The dataset's catalog version current at submission: the one the node runs it on (0 when unknown).</param>
public sealed record Job(
    ulong Id,
    ulong LicenseId,
    Hash32 DatasetId,
    Address Submitter,
    ComputationKind Kind,
    Hash32 SpecHash,
    ulong SpecSize,
    Epsilon Epsilon,
    JobStatus Status,
    Hash32 ResultHash,
    ulong SubmittedBlock,
    ulong FinishedBlock,
    ulong SubmittedAt = 0,
    uint DatasetVersion = 0);

/// <summary>A data subject's consent as the chain records it.</summary>
/// <param name="Key">The consent key (see <see cref="ConsentsContract.ConsentKey"/>).</param>
/// <param name="Subject">The account that gave it.</param>
/// <param name="Licensee">The enterprise allowed to use the subject's rows.</param>
/// <param name="DatasetId">The dataset the rows belong to.</param>
/// <param name="PurposeHash">Keccak-256 of the purpose text.</param>
/// <param name="Columns">The dataset's columns it covers, as a bitmask over their on-chain indices (bit i = column i).</param>
/// <param name="GivenBlock">The block it was (last) given in.</param>
/// <param name="WithdrawnBlock">The block it was withdrawn in, or 0 while in force.</param>
/// <param name="Active">True while in force (given and not withdrawn since).</param>
public sealed record Consent(
    Hash32 Key,
    Address Subject,
    Address Licensee,
    Hash32 DatasetId,
    Hash32 PurposeHash,
    ulong Columns,
    ulong GivenBlock,
    ulong WithdrawnBlock,
    bool Active);

/// <summary>One job to submit under a license (see <see cref="JobsContract.SubmitManyWithoutWaitingAsync"/>).</summary>
/// <param name="LicenseId">The license it runs under.</param>
/// <param name="Kind">The computation kind.</param>
/// <param name="Spec">The spec bytes, carried on chain.</param>
/// <param name="Epsilon">The privacy budget it spends.</param>
public sealed record JobSubmission(ulong LicenseId, ComputationKind Kind, ReadOnlyMemory<byte> Spec, Epsilon Epsilon);

/// <summary>One completion in a <see cref="JobsContract.CompleteBatchAsync"/>: a job, its result hash and the node's signature over it.</summary>
/// <param name="JobId">The job.</param>
/// <param name="ResultHash">Keccak-256 of its result.</param>
/// <param name="Signature">The node signer's signature, as <see cref="JobsContract.SignResult"/> makes it.</param>
public sealed record JobCompletion(ulong JobId, Hash32 ResultHash, EthSignature Signature);

/// <summary>Why a <c>Jobs.completeBatch</c> was refused: the first item <c>complete</c> would refuse, and its error.</summary>
/// <param name="Index">The item's position in the batch.</param>
/// <param name="JobId">Its job.</param>
/// <param name="Error">The custom error <c>complete</c> raises for it (e.g. <c>JobNotPending</c>).</param>
public sealed record BatchItemRefusal(int Index, ulong JobId, DataTrust.Ledger.Abi.DecodedError Error);
