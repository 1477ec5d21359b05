using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Tests.Contracts;

/// <summary>
/// A small world for attested joins: an approved measurement and platform key, an enclave host, and one enterprise holding an
/// ENCLAVE_JOIN license on each of several datasets (each with its own operator and node).
/// </summary>
internal sealed class EnclaveWorld
{
    public static readonly byte[] Spec = Encoding.UTF8.GetBytes("join: tax.uscc = social.uscc; group by district; count, sum(tax_paid)");

    private EnclaveWorld(LedgerFixture ledger, Hash32 measurement, EthereumKey platformKey, EthereumKey hostKey, DataTrustLedger host, EthereumKey enterpriseKey, DataTrustLedger enterprise, IReadOnlyList<World> datasets, IReadOnlyList<ulong> licenseIds)
    {
        Ledger = ledger;
        Measurement = measurement;
        PlatformKey = platformKey;
        HostKey = hostKey;
        Host = host;
        EnterpriseKey = enterpriseKey;
        Enterprise = enterprise;
        Datasets = datasets;
        LicenseIds = licenseIds;
    }

    public LedgerFixture Ledger { get; }

    public Hash32 Measurement { get; }

    public EthereumKey PlatformKey { get; }

    public EthereumKey HostKey { get; }

    /// <summary>The enclave host's account, which records quotes and sends completions.</summary>
    public DataTrustLedger Host { get; }

    public EthereumKey EnterpriseKey { get; }

    public DataTrustLedger Enterprise { get; }

    /// <summary>One world per dataset (its operator, node and dataset; its own enterprise is not used).</summary>
    public IReadOnlyList<World> Datasets { get; }

    /// <summary>The enterprise's license on each dataset, in the same order.</summary>
    public IReadOnlyList<ulong> LicenseIds { get; }

    public DataTrustLedger Authority => Ledger.Authority;

    public Address Jobs => Ledger.Deployment.Jobs;

    public ulong ChainId => Ledger.Deployment.ChainId;

    /// <summary>
    /// Builds the world: <paramref name="datasets"/> datasets that allow ENCLAVE_JOIN unless <paramref name="joinAllowed"/> says
    /// otherwise, each licensed to one enterprise with <paramref name="quota"/> jobs and <paramref name="epsilonBudget"/>, each of
    /// <paramref name="grade"/> unless <paramref name="gradeOf"/> says otherwise (an OPEN dataset gets an ε cap of 0).
    /// </summary>
    public static async Task<EnclaveWorld> CreateAsync(
        LedgerFixture ledger,
        int datasets = 2,
        uint quota = 5,
        string epsilonBudget = "2.0",
        string epsilonCap = "100",
        Func<int, bool>? joinAllowed = null,
        ProtectionGrade grade = ProtectionGrade.Restricted,
        Func<int, ProtectionGrade>? gradeOf = null)
    {
        var measurement = LedgerFixture.NewId();
        var platformKey = await ledger.NewAccountAsync();
        await ledger.Authority.Enclaves.ApproveMeasurementAsync(measurement, "enclave-sim test build");
        await ledger.Authority.Enclaves.ApprovePlatformKeyAsync(platformKey.Address, "simulated platform");
        var hostKey = await ledger.NewAccountAsync();

        var enterpriseKey = await ledger.NewAccountAsync();
        await ledger.Authority.Participants.AdmitAsync(enterpriseKey.Address, Role.Enterprise, "Join analytics", LedgerFixture.ValidCreditCode);
        var enterprise = await ledger.AsAsync(enterpriseKey);

        var worlds = new List<World>();
        var licenses = new List<ulong>();
        for (var i = 0; i < datasets; i++)
        {
            var allowed = joinAllowed?.Invoke(i) ?? true;
            var kinds = ComputationKindSet.Aggregate | (allowed ? ComputationKindSet.EnclaveJoin : 0);
            var g = gradeOf?.Invoke(i) ?? grade;
            var world = await ledger.NewWorldAsync(datasetKinds: kinds, grant: false, grade: g, epsilonCap: g == ProtectionGrade.Open ? "0" : epsilonCap);
            var requestId = await enterprise.Licenses.RequestAsync(world.Dataset.Id, "tax paid by district");
            var expires = DateTimeOffset.FromUnixTimeSeconds((long)await ledger.NowAsync()) + TimeSpan.FromDays(90);
            licenses.Add(await world.Operator.Licenses.GrantAsync(requestId, kinds, quota, expires, Epsilon.Parse(epsilonBudget)));
            worlds.Add(world);
        }

        return new EnclaveWorld(ledger, measurement, platformKey, hostKey, await ledger.AsAsync(hostKey), enterpriseKey, enterprise, worlds, licenses);
    }

    /// <summary>A fresh enclave key pair (one per enclave start).</summary>
    public EthereumKey NewEnclaveKey()
    {
        var key = EthereumKey.Generate();
        _enclaveKeys.Add(key);
        return key;
    }

    private readonly List<EthereumKey> _enclaveKeys = [];

    /// <summary>A quote of an enclave start, signed by the world's platform key unless told otherwise.</summary>
    public QuoteParts Quote(EthereumKey enclaveKey, ulong issuedAt, Hash32? measurement = null, EthereumKey? platform = null, Hash32? nonce = null, Hash32? reportData = null)
    {
        var m = measurement ?? Measurement;
        var n = nonce ?? LedgerFixture.NewId();
        var rd = reportData ?? EnclavesContract.ReportDataOf(enclaveKey.PublicKey);
        var signature = EnclavesContract.SignQuote(platform ?? PlatformKey, ChainId, Ledger.Deployment.Enclaves, m, rd, issuedAt, n);
        return new QuoteParts(m, rd, enclaveKey.PublicKey.ToArray(), issuedAt, n, signature.ToBytes(), "http://127.0.0.1:50077");
    }

    /// <summary>Records a quote from the world's host.</summary>
    public Task<ulong> RecordAsync(QuoteParts q, DataTrustLedger? host = null) =>
        (host ?? Host).Enclaves.RecordQuoteAsync(q.Measurement, q.ReportData, q.PublicKey, q.IssuedAt, q.Nonce, q.PlatformSignature, q.Endpoint);

    /// <summary>Records a fresh quote for a new enclave key; returns the key and the quote id.</summary>
    public async Task<(EthereumKey Key, ulong QuoteId)> StartEnclaveAsync(Hash32? measurement = null, DataTrustLedger? host = null)
    {
        var key = NewEnclaveKey();
        var id = await RecordAsync(Quote(key, await Ledger.NowAsync(), measurement), host);
        return (key, id);
    }

    /// <summary>Submits a join over every dataset of the world (or the licenses given).</summary>
    public Task<ulong> SubmitAsync(string epsilon = "0.5", IReadOnlyList<ulong>? licenses = null, Hash32? measurement = null) =>
        Enterprise.Jobs.SubmitJoinAsync(licenses ?? LicenseIds, measurement ?? Measurement, Spec, Epsilon.Parse(epsilon));

    public EthSignature SignResult(EthereumKey enclaveKey, ulong jobId, Hash32 resultHash) =>
        JobsContract.SignResult(enclaveKey, Jobs, ChainId, jobId, resultHash);

    public EthSignature SignFailure(EthereumKey enclaveKey, ulong jobId, string reason, bool charged) =>
        JobsContract.SignJoinFailure(enclaveKey, Jobs, ChainId, jobId, reason, charged);

    public async Task<IReadOnlyList<License>> LicensesAsync() =>
        [.. await Task.WhenAll(LicenseIds.Select(id => Authority.Licenses.GetLicenseAsync(id)))];
}

/// <summary>The arguments of one recordQuote call.</summary>
internal sealed record QuoteParts(Hash32 Measurement, Hash32 ReportData, byte[] PublicKey, ulong IssuedAt, Hash32 Nonce, byte[] PlatformSignature, string Endpoint);
