using System.Globalization;
using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Abi;
using DataTrust.Ledger.Contracts;
using DataTrust.Portal.Indexing;
using Microsoft.Extensions.Localization;

namespace DataTrust.Portal.Components.Pages;

/// <summary>One line of the timeline: where an event was mined and what it says, in the page's language.</summary>
/// <param name="Block">The block it was mined in.</param>
/// <param name="Time">The block's time (UTC), or null when the index has not read it.</param>
/// <param name="Contract">The contract's key (participants, catalog, …), or null for an address outside the deployment.</param>
/// <param name="Name">The event's name as the contract declares it.</param>
/// <param name="Sentence">The event decoded into one readable sentence.</param>
/// <param name="Transaction">The transaction that emitted it.</param>
/// <param name="LogIndex">Its position in the block.</param>
public sealed record TimelineRow(ulong Block, DateTimeOffset? Time, string? Contract, string Name, string Sentence, Hash32 Transaction, ulong LogIndex);

/// <summary>One of the deployment's contracts as the timeline filters by it: its key, address and declared events.</summary>
/// <param name="Key">Lower-case key used in the <c>contract</c> query parameter.</param>
/// <param name="Address">Where it is deployed.</param>
/// <param name="Events">The event names its ABI declares.</param>
public sealed record TimelineContract(string Key, Address Address, IReadOnlyList<string> Events);

/// <summary>
/// Turns the chain's decoded events into readable sentences for the timeline (one resource string per event name,
/// <c>Event_NAME</c> in AuditText), naming accounts and datasets as the chain index knows them; an event it does not
/// know (or cannot read) is shown generically with its raw values.
/// </summary>
public sealed class TimelineEvents
{
    private readonly ChainSnapshot _s;
    private readonly IStringLocalizer _l;
    private readonly IStringLocalizer _t;
    private readonly Address _authority;

    /// <summary>A decoder over <paramref name="snapshot"/> (read it inside <see cref="ChainIndex.Read{T}"/>), with the audit texts and the shared texts.</summary>
    public TimelineEvents(ChainSnapshot snapshot, IStringLocalizer auditText, IStringLocalizer sharedText, Address authority)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(auditText);
        ArgumentNullException.ThrowIfNull(sharedText);
        _s = snapshot;
        _l = auditText;
        _t = sharedText;
        _authority = authority;
    }

    /// <summary>The deployment's six contracts, in a fixed order, with the events each declares.</summary>
    public static IReadOnlyList<TimelineContract> Contracts(DataTrustLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ContractBinding[] bindings = [ledger.Participants, ledger.Catalog, ledger.Licenses, ledger.Jobs, ledger.Consents, ledger.Enclaves];
        string[] keys = ["participants", "catalog", "licenses", "jobs", "consents", "enclaves"];
        return [.. bindings.Select((b, i) => new TimelineContract(keys[i], b.Address, [.. b.Artifact.Abi.Events.Select(e => e.Name).Distinct(StringComparer.Ordinal)]))];
    }

    /// <summary>The timeline row of <paramref name="e"/>.</summary>
    public TimelineRow Row(ContractEvent e, string? contract)
    {
        ArgumentNullException.ThrowIfNull(e);
        DateTimeOffset? time = _s.BlockTimes.TryGetValue(e.BlockNumber, out var t) ? DateTimeOffset.FromUnixTimeSeconds((long)Math.Min(t, MaxUnix)) : null;
        return new TimelineRow(e.BlockNumber, time, contract, e.Name, Sentence(e), e.TransactionHash, e.LogIndex);
    }

    /// <summary>The event as one sentence in the current UI culture; unknown or unreadable events show their raw values.</summary>
    public string Sentence(ContractEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        try
        {
            return Decode(e)?.Value ?? Generic(e);
        }
        catch (AbiException)
        {
            return Generic(e);
        }
        catch (InvalidCastException)
        {
            return Generic(e);
        }
    }

    private const ulong MaxUnix = 253402300799UL;

    private string Generic(ContractEvent e) => _l["Event_Generic", e.Name, e.Values.ToString()];

    private LocalizedString? Decode(ContractEvent e)
    {
        var v = e.Values;
        return e.Name switch
        {
            "ParticipantAdmitted" => v.GetString("creditCode").Length == 0
                ? _l["Event_ParticipantAdmitted", Who(v.GetAddress("account")), RoleName(v.GetUInt64("role"))]
                : _l["Event_ParticipantAdmittedCredit", Who(v.GetAddress("account")), RoleName(v.GetUInt64("role")), v.GetString("creditCode")],
            "NodeRegistered" => _l["Event_NodeRegistered", v.GetString("name"), v.GetString("domain"), v.GetString("endpoint"), v.GetAddress("node").ToString(), Who(v.GetAddress("signer"))],
            "NodeEndpointUpdated" => _l["Event_NodeEndpointUpdated", Who(v.GetAddress("node")), v.GetString("endpoint")],
            "Suspended" => _l["Event_Suspended", Who(v.GetAddress("account")), v.GetString("reason")],
            "ParticipantReinstated" => _l["Event_ParticipantReinstated", Who(v.GetAddress("account"))],

            "DatasetPublished" => _l["Event_DatasetPublished", Dataset(v.GetHash32("id")), Who(v.GetAddress("operator")), Who(v.GetAddress("node"))],
            "VersionPublished" => _l["Event_VersionPublished", Dataset(v.GetHash32("id")), v.GetUInt64("version"), v.GetUInt64("rowCount"), v.GetHash32("snapshotCommitment").ToString()],
            "VersionRetired" => _l["Event_VersionRetired", Dataset(v.GetHash32("id")), v.GetUInt64("version")],
            "GradeRaised" => _l["Event_GradeRaised", Dataset(v.GetHash32("id")), GradeName(v.GetUInt64("from")), GradeName(v.GetUInt64("to"))],
            "EpsilonCapLowered" => _l["Event_EpsilonCapLowered", Dataset(v.GetHash32("id")), Eps(v.GetUInt64("from")), Eps(v.GetUInt64("to"))],
            "Retired" => _l["Event_Retired", Dataset(v.GetHash32("id"))],

            "JobsBound" => _l["Event_JobsBound", v.GetAddress("jobs").ToString()],
            "LicenseRequested" => _l["Event_LicenseRequested", v.GetUInt64("requestId"), Who(v.GetAddress("enterprise")), Dataset(v.GetHash32("datasetId")), v.GetString("purpose")],
            "LicenseGranted" => _l["Event_LicenseGranted", v.GetUInt64("licenseId"), Who(v.GetAddress("licensee")), Dataset(v.GetHash32("datasetId")),
                KindSet(v.GetUInt64("kinds")), v.GetUInt64("quota"), Eps(v.GetUInt64("epsilonBudget")), Date(v.GetUInt64("expiresAt")), v.GetUInt64("requestId")],
            "RequestRejected" => _l["Event_RequestRejected", v.GetUInt64("requestId"), RequestWho(v.GetUInt64("requestId")), v.GetString("reason")],
            "Revoked" => _l["Event_Revoked", v.GetUInt64("licenseId"), LicenseWhat(v.GetUInt64("licenseId")), Who(v.GetAddress("by")), v.GetString("reason")],
            "LicenseConsumed" => _l["Event_LicenseConsumed", v.GetUInt64("licenseId"), KindName(v.GetUInt64("kind")), Eps(v.GetUInt64("epsilon")),
                v.GetUInt64("quotaRemaining"), Eps(v.GetUInt64("epsilonRemaining"))],
            "LicenseRefunded" => _l["Event_LicenseRefunded", v.GetUInt64("licenseId"), v.GetUInt64("jobId"), Eps(v.GetUInt64("epsilon")),
                v.GetUInt64("quotaRemaining"), Eps(v.GetUInt64("epsilonRemaining"))],
            "DatasetEpsilonSpent" => _l["Event_DatasetEpsilonSpent", Dataset(v.GetHash32("datasetId")), Eps(v.GetUInt64("epsilon")), Eps(v.GetUInt64("spent")), Eps(v.GetUInt64("cap"))],
            "DatasetEpsilonRefunded" => _l["Event_DatasetEpsilonRefunded", Dataset(v.GetHash32("datasetId")), Eps(v.GetUInt64("epsilon")), Eps(v.GetUInt64("spent"))],

            "JobSubmitted" or "JobSubmittedHashed" => v.GetUInt64("licenseId") == 0
                ? _l["Event_JobSubmittedOpen", v.GetUInt64("jobId"), Who(v.GetAddress("submitter")), Dataset(v.GetHash32("datasetId")), KindName(v.GetUInt64("kind")), v.GetUInt64("datasetVersion")]
                : _l["Event_JobSubmitted", v.GetUInt64("jobId"), Who(v.GetAddress("submitter")), Dataset(v.GetHash32("datasetId")), KindName(v.GetUInt64("kind")),
                    v.GetUInt64("licenseId"), Eps(v.GetUInt64("epsilon")), v.GetUInt64("quotaRemaining"), Eps(v.GetUInt64("epsilonRemaining")), v.GetUInt64("datasetVersion")],
            "JobCompleted" => _l["Event_JobCompleted", v.GetUInt64("jobId"), Who(v.GetAddress("node")), v.GetHash32("resultHash").ToString()],
            "JobFailed" => _l[v.GetBool("refunded") ? "Event_JobFailedRefunded" : "Event_JobFailed", v.GetUInt64("jobId"), Who(v.GetAddress("node")), v.GetString("reason")],
            "JoinSubmitted" => _l["Event_JoinSubmitted", v.GetUInt64("jobId"), Who(v.GetAddress("submitter")),
                List(v.GetList("licenseIds").Select(o => Convert.ToString(o is BigInteger b ? b : o, CultureInfo.InvariantCulture) ?? "")),
                List(v.GetList("datasetIds").Select(o => o switch { Hash32 h => Dataset(h), byte[] { Length: 32 } b => Dataset(new Hash32(b)), _ => "?" })),
                Eps(v.GetUInt64("epsilon")), v.GetHash32("measurement").ToString()],
            "JoinCompleted" => _l["Event_JoinCompleted", v.GetUInt64("jobId"), v.GetAddress("enclave").ToString(), v.GetUInt64("quoteId"), v.GetHash32("resultHash").ToString()],
            "JoinFailed" => _l[v.GetBool("refunded") ? "Event_JoinFailedRefunded" : "Event_JoinFailed", v.GetUInt64("jobId"), v.GetAddress("enclave").ToString(), v.GetUInt64("quoteId"), v.GetString("reason")],
            "JobCancelled" => _l["Event_JobCancelled", v.GetUInt64("jobId"), Who(v.GetAddress("submitter"))],

            "ConsentGiven" => _l["Event_ConsentGiven", Who(v.GetAddress("subject")), Who(v.GetAddress("licensee")), Dataset(v.GetHash32("datasetId")),
                Columns(v.GetHash32("datasetId"), v.GetUInt64("columns")), v.GetString("purpose")],
            "ConsentWithdrawn" => _l["Event_ConsentWithdrawn", Who(v.GetAddress("subject")), Who(v.GetAddress("licensee")), Dataset(v.GetHash32("datasetId"))],

            "MeasurementApproved" => _l["Event_MeasurementApproved", v.GetHash32("measurement").ToString(), v.GetString("name")],
            "MeasurementRevoked" => _l["Event_MeasurementRevoked", v.GetHash32("measurement").ToString()],
            "PlatformKeyApproved" => _l["Event_PlatformKeyApproved", v.GetAddress("platformKey").ToString(), v.GetString("name")],
            "PlatformKeyRevoked" => _l["Event_PlatformKeyRevoked", v.GetAddress("platformKey").ToString()],
            "QuoteRecorded" => _l["Event_QuoteRecorded", v.GetUInt64("quoteId"), Who(v.GetAddress("host")), v.GetAddress("enclave").ToString(), v.GetHash32("measurement").ToString(), v.GetString("endpoint")],
            "QuoteSuperseded" => _l["Event_QuoteSuperseded", v.GetUInt64("quoteId"), v.GetUInt64("byQuoteId"), Who(v.GetAddress("host"))],
            _ => null,
        };
    }

    /// <summary>An account by the name the chain records for it, or its address.</summary>
    private string Who(Address account)
    {
        if (account == _authority)
        {
            return _t["RoleAuthority"];
        }

        return _s.Participants.TryGetValue(account, out var p) && p.Name.Length > 0 ? p.Name : account.ToString();
    }

    private string Dataset(Hash32 id) => _s.Datasets.TryGetValue(id, out var d) && d.Entry.Spec.Name.Length > 0 ? d.Entry.Spec.Name : id.ToString();

    private string RequestWho(ulong requestId) => _s.Requests.TryGetValue(requestId, out var r)
        ? _l["RequestOf", Who(r.Enterprise), Dataset(r.DatasetId)]
        : "";

    private string LicenseWhat(ulong licenseId) => _s.Licenses.TryGetValue(licenseId, out var l)
        ? _l["LicenseOf", Who(l.Licensee), Dataset(l.DatasetId)]
        : "";

    private string RoleName(ulong role) => role <= byte.MaxValue && Enum.IsDefined((Role)(byte)role) ? _t["Role" + (Role)(byte)role] : role.ToString(CultureInfo.InvariantCulture);

    private string GradeName(ulong grade) => grade <= byte.MaxValue && Enum.IsDefined((ProtectionGrade)(byte)grade) ? _t["Grade" + (ProtectionGrade)(byte)grade] : grade.ToString(CultureInfo.InvariantCulture);

    private string KindName(ulong kind) => kind <= byte.MaxValue && Enum.IsDefined((ComputationKind)(byte)kind) ? _t["Kind" + (ComputationKind)(byte)kind] : kind.ToString(CultureInfo.InvariantCulture);

    private string KindSet(ulong mask)
    {
        var kinds = Enum.GetValues<ComputationKind>().Where(k => (mask & (1UL << (int)k)) != 0).Select(k => _t["Kind" + k].Value).ToList();
        return kinds.Count == 0 ? _l["NoKinds"] : List(kinds);
    }

    private string Columns(Hash32 datasetId, ulong mask)
    {
        if (_s.Datasets.TryGetValue(datasetId, out var d))
        {
            var names = d.Entry.Spec.Columns.Where((_, i) => i < 64 && (mask & (1UL << i)) != 0).Select(c => c.Name).ToList();
            if (names.Count > 0)
            {
                return List(names);
            }
        }

        return "0x" + mask.ToString("x", CultureInfo.InvariantCulture);
    }

    private string List(IEnumerable<string> items) => string.Join(_l["ListSeparator"].Value, items);

    /// <summary>ε from millionths, without trailing zeros beyond the first decimal (1.0, 0.25).</summary>
    internal static string Eps(ulong micros) => (micros / (decimal)Epsilon.Scale).ToString("0.0#####", CultureInfo.InvariantCulture);

    private static string Date(ulong unix) =>
        DateTimeOffset.FromUnixTimeSeconds((long)Math.Min(unix, MaxUnix)).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
