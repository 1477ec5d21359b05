using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;

namespace DataTrust.Portal.Indexing;

/// <summary>A dataset as the portal shows it: its catalog entry, its privacy terms now, and every version.</summary>
/// <param name="Entry">The catalog entry (spec, operator, state).</param>
/// <param name="Terms">Its protection grade and ε cap now (a grade may have been raised since publication).</param>
/// <param name="Versions">Its versions, oldest first.</param>
public sealed record IndexedDataset(Dataset Entry, PrivacyTerms Terms, IReadOnlyList<DatasetVersion> Versions)
{
    /// <summary>The dataset id.</summary>
    public Hash32 Id => Entry.Spec.Id;
}

/// <summary>One change of a license's remaining quota and ε, as a <c>LicenseConsumed</c> or <c>LicenseRefunded</c> event records it.</summary>
/// <param name="LicenseId">The license.</param>
/// <param name="BlockNumber">The block it happened in.</param>
/// <param name="Refund">True for a refund, false for a charge.</param>
/// <param name="Epsilon">The ε charged or refunded.</param>
/// <param name="QuotaRemaining">Jobs left after it.</param>
/// <param name="EpsilonRemaining">ε left after it.</param>
/// <param name="JobId">The refunded job (0 for a charge, whose job is not named by the event).</param>
public sealed record LicenseUse(ulong LicenseId, ulong BlockNumber, bool Refund, Epsilon Epsilon, uint QuotaRemaining, Epsilon EpsilonRemaining, ulong JobId);

/// <summary>A job as the portal shows it: the chain's record and, for a failed one, why and whether it was refunded.</summary>
/// <param name="Job">The job as the Jobs contract holds it.</param>
/// <param name="Failure">Its failure event, when it failed.</param>
/// <param name="LicenseIds">Every license it runs under (several for a join, one otherwise, none for an open job).</param>
public sealed record IndexedJob(Job Job, JobFailure? Failure, IReadOnlyList<ulong> LicenseIds);

/// <summary>
/// The part of the chain the portal shows, kept current by <see cref="ChainIndex"/> from the contracts' events: pages
/// read it in memory and never rescan the chain. Every collection is owned by the index; read it only inside
/// <see cref="ChainIndex.Read{T}"/>.
/// </summary>
public sealed class ChainSnapshot
{
    /// <summary>The last block whose events are applied (0 before the first poll).</summary>
    public ulong Block { get; internal set; }

    /// <summary>The chain id the deployment names.</summary>
    public ulong ChainId { get; internal set; }

    /// <summary>Admitted participants by account.</summary>
    public Dictionary<Address, Participant> Participants { get; } = [];

    /// <summary>Registered domain nodes by account.</summary>
    public Dictionary<Address, NodeInfo> Nodes { get; } = [];

    /// <summary>Datasets by id.</summary>
    public Dictionary<Hash32, IndexedDataset> Datasets { get; } = [];

    /// <summary>License requests by id.</summary>
    public SortedDictionary<ulong, LicenseRequest> Requests { get; } = [];

    /// <summary>Why a rejected request was rejected, by request id.</summary>
    public Dictionary<ulong, string> Rejections { get; } = [];

    /// <summary>Licenses by id.</summary>
    public SortedDictionary<ulong, License> Licenses { get; } = [];

    /// <summary>Why a revoked license was revoked, by license id.</summary>
    public Dictionary<ulong, string> Revocations { get; } = [];

    /// <summary>Each license's charges and refunds, oldest first.</summary>
    public Dictionary<ulong, List<LicenseUse>> LicenseUses { get; } = [];

    /// <summary>Jobs by id.</summary>
    public SortedDictionary<ulong, IndexedJob> Jobs { get; } = [];

    /// <summary>Consents by key.</summary>
    public Dictionary<Hash32, Consent> Consents { get; } = [];

    /// <summary>The purpose text of each consent by key, as its last <c>ConsentGiven</c> event carries it (the record holds only its hash).</summary>
    public Dictionary<Hash32, string> ConsentPurposes { get; } = [];

    /// <summary>The ε spent on each dataset so far across all its licenses, as its last <c>DatasetEpsilonSpent</c>/<c>DatasetEpsilonRefunded</c> event says.</summary>
    public Dictionary<Hash32, Epsilon> DatasetEpsilonSpent { get; } = [];

    /// <summary>Every decoded event of every contract, in chain order (the timeline).</summary>
    public List<ContractEvent> Events { get; } = [];

    /// <summary>Block timestamps (unix seconds) the index has read, by block number.</summary>
    public Dictionary<ulong, ulong> BlockTimes { get; } = [];
}
