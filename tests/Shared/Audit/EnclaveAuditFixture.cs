using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Audit.Testing;

/// <summary>
/// One anvil with an honest trail of attested joins over two datasets: a host's first quote superseded by its second; a join
/// completed under the second; one failed by the enclave refunded, one failed charged, one failed by a node; a second host's
/// quote whose measurement is revoked after recording, so the completion of its join is refused and the join is cancelled
/// after the deadline together with one left pending.
/// </summary>
public sealed class EnclaveAuditFixture : IAsyncLifetime
{
    private readonly List<EthereumKey> _keys = [];
    private LocalChain? _chain;

    public JsonRpcClient Rpc { get; private set; } = null!;

    public DataTrustLedger Authority { get; private set; } = null!;

    public DataTrustLedger ReadOnly { get; private set; } = null!;

    public Deployment Deployment => Authority.Deployment;

    public IReadOnlyList<ulong> LicenseIds { get; private set; } = [];

    public ulong CompletedJoin { get; private set; }

    public ulong RefundedJoin { get; private set; }

    public ulong ChargedJoin { get; private set; }

    public ulong NodeFailedJoin { get; private set; }

    /// <summary>The join whose quote's measurement was revoked before its completion; then cancelled.</summary>
    public ulong RevokedQuoteJoin { get; private set; }

    public ulong CancelledJoin { get; private set; }

    /// <summary>The error completeJoin raised for <see cref="RevokedQuoteJoin"/>.</summary>
    public string RevokedCompletionError { get; private set; } = string.Empty;

    /// <summary>The quote status it reported (MeasurementRevoked).</summary>
    public ulong RevokedCompletionStatus { get; private set; }

    public EthereumKey Enclave { get; private set; } = null!;

    public EthereumKey OtherEnclave { get; private set; } = null!;

    public ulong QuoteId { get; private set; }

    public async Task InitializeAsync()
    {
        _chain = await LocalChain.StartAsync(new LocalChainOptions());
        Rpc = _chain.CreateClient();
        var authorityKey = Keep(EthereumKey.FromPrivateKeyHex(_chain.DevelopmentPrivateKeys[0]));
        Authority = await DataTrustLedger.DeployAsync(Rpc, authorityKey);
        ReadOnly = await DataTrustLedger.ConnectAsync(Rpc, Deployment);

        var enterpriseKey = await NewAccountAsync();
        await Authority.Participants.AdmitAsync(enterpriseKey.Address, Role.Enterprise, "Join analytics", "91350100M000100Y43");
        var enterprise = await ConnectAsync(enterpriseKey);
        var licenses = new List<ulong>();
        var nodes = new List<DataTrustLedger>();
        foreach (var domain in new[] { "tax", "social" })
        {
            var operatorKey = await NewAccountAsync();
            var nodeKey = await NewAccountAsync();
            await Authority.Participants.AdmitAsync(operatorKey.Address, Role.Operator, domain + " operator");
            await Authority.Participants.AdmitNodeAsync(nodeKey.Address, domain + " node", domain, "http://127.0.0.1:50051", nodeKey.Address);
            var op = await ConnectAsync(operatorKey);
            var dataset = Spec(new Hash32(RandomNumberGenerator.GetBytes(32)), domain, nodeKey.Address);
            await op.Catalog.PublishAsync(dataset);
            var requestId = await enterprise.Licenses.RequestAsync(dataset.Id, "tax paid by district");
            var expires = DateTimeOffset.FromUnixTimeSeconds((long)await NowAsync()) + TimeSpan.FromDays(30);
            licenses.Add(await op.Licenses.GrantAsync(requestId, ComputationKindSet.EnclaveJoin, 10, expires, Epsilon.Parse("3")));
            nodes.Add(await ConnectAsync(nodeKey));
        }

        LicenseIds = licenses;
        var measurement = new Hash32(SHA256.HashData("DataTrust.EnclaveSim build 1"u8));
        var doomed = new Hash32(SHA256.HashData("DataTrust.EnclaveSim build 0"u8));
        var platform = await NewAccountAsync();
        await Authority.Enclaves.ApproveMeasurementAsync(measurement, "enclave-sim build 1");
        await Authority.Enclaves.ApproveMeasurementAsync(doomed, "enclave-sim build 0");
        await Authority.Enclaves.ApprovePlatformKeyAsync(platform.Address, "simulated platform");

        var host = await ConnectAsync(await NewAccountAsync());
        var first = Keep(EthereumKey.Generate());
        await RecordAsync(host, platform, first, measurement);
        Enclave = Keep(EthereumKey.Generate());
        QuoteId = await RecordAsync(host, platform, Enclave, measurement);
        OtherEnclave = Keep(EthereumKey.Generate());

        var spec = Encoding.UTF8.GetBytes("join tax.uscc = social.uscc group by district count sum(tax_paid)");
        CompletedJoin = await enterprise.Jobs.SubmitJoinAsync(licenses, measurement, spec, Epsilon.Parse("0.5"));
        var resultHash = new Hash32(RandomNumberGenerator.GetBytes(32));
        await host.Jobs.CompleteJoinAsync(CompletedJoin, QuoteId, resultHash, JobsContract.SignResult(Enclave, Deployment.Jobs, Deployment.ChainId, CompletedJoin, resultHash));

        RefundedJoin = await enterprise.Jobs.SubmitJoinAsync(licenses, measurement, spec, Epsilon.Parse("0.4"));
        await host.Jobs.FailJoinAsync(RefundedJoin, QuoteId, "no join key matched", false, JobsContract.SignJoinFailure(Enclave, Deployment.Jobs, Deployment.ChainId, RefundedJoin, "no join key matched", false));
        ChargedJoin = await enterprise.Jobs.SubmitJoinAsync(licenses, measurement, spec, Epsilon.Parse("0.3"));
        await host.Jobs.FailJoinAsync(ChargedJoin, QuoteId, "a group is below the minimum size", true, JobsContract.SignJoinFailure(Enclave, Deployment.Jobs, Deployment.ChainId, ChargedJoin, "a group is below the minimum size", true));
        NodeFailedJoin = await enterprise.Jobs.SubmitJoinAsync(licenses, measurement, spec, Epsilon.Parse("0.2"));
        await nodes[1].Jobs.FailAsync(NodeFailedJoin, "district is not a GROUP_BY column");

        var otherHost = await ConnectAsync(await NewAccountAsync());
        var doomedQuote = await RecordAsync(otherHost, platform, OtherEnclave, doomed);
        RevokedQuoteJoin = await enterprise.Jobs.SubmitJoinAsync(licenses, doomed, spec, Epsilon.Parse("0.1"));
        await Authority.Enclaves.RevokeMeasurementAsync(doomed);
        var refused = await Assert.ThrowsAsync<ContractRevertedException>(() =>
            otherHost.Jobs.CompleteJoinAsync(RevokedQuoteJoin, doomedQuote, resultHash, JobsContract.SignResult(OtherEnclave, Deployment.Jobs, Deployment.ChainId, RevokedQuoteJoin, resultHash)));
        RevokedCompletionError = refused.ErrorName;
        RevokedCompletionStatus = refused.Error.Arguments.GetUInt64("status");

        CancelledJoin = await enterprise.Jobs.SubmitJoinAsync(licenses, measurement, spec, Epsilon.Parse("0.1"));
        await Rpc.CallAsync("evm_increaseTime", [(ulong)DataTrustLedger.DefaultPendingDeadline.TotalSeconds + 1]);
        await Rpc.CallAsync("evm_mine", []);
        await enterprise.Jobs.CancelAsync(RevokedQuoteJoin);
        await enterprise.Jobs.CancelAsync(CancelledJoin);
    }

    public async Task DisposeAsync()
    {
        foreach (var key in _keys)
        {
            key.Dispose();
        }

        Rpc.Dispose();
        await _chain!.DisposeAsync();
    }

    private async Task<ulong> RecordAsync(DataTrustLedger host, EthereumKey platform, EthereumKey enclave, Hash32 measurement)
    {
        var issuedAt = await NowAsync();
        var reportData = EnclavesContract.ReportDataOf(enclave.PublicKey);
        var nonce = new Hash32(RandomNumberGenerator.GetBytes(32));
        var signature = EnclavesContract.SignQuote(platform, Deployment.ChainId, Deployment.Enclaves, measurement, reportData, issuedAt, nonce);
        return await host.Enclaves.RecordQuoteAsync(measurement, reportData, enclave.PublicKey.ToArray(), issuedAt, nonce, signature.ToBytes(), "http://127.0.0.1:50077");
    }

    private Task<DataTrustLedger> ConnectAsync(EthereumKey key) => DataTrustLedger.ConnectAsync(Rpc, Deployment, key);

    private async Task<ulong> NowAsync() => (await Rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;

    private async Task<EthereumKey> NewAccountAsync()
    {
        var key = Keep(EthereumKey.Generate());
        await Rpc.CallAsync("anvil_setBalance", [key.Address.ToLowerHex(), JsonRpcClient.ToQuantity(BigInteger.Pow(10, 21))]);
        return key;
    }

    private EthereumKey Keep(EthereumKey key)
    {
        _keys.Add(key);
        return key;
    }

    private static DatasetSpec Spec(Hash32 id, string domain, Address node) => new(
        id,
        domain + ".companies",
        node,
        new Hash32(SHA256.HashData("schema"u8)),
        3000,
        new Hash32(SHA256.HashData("snapshot"u8)),
        ProtectionGrade.Restricted,
        10,
        1,
        85,
        ComputationKindSet.Aggregate | ComputationKindSet.EnclaveJoin,
        [
            new ColumnSpec("uscc", ColumnType.Text, ColumnPermissions.JoinKey, 0, 0),
            new ColumnSpec("district", ColumnType.Text, ColumnPermissions.GroupBy, 0, 0, ["east", "west"]),
            new ColumnSpec("tax_paid", ColumnType.Decimal, ColumnPermissions.Aggregate, 0, 1_000_000),
        ])
    {
        EpsilonCap = Epsilon.Parse("10"),
    };
}

[CollectionDefinition(Name)]
public sealed class EnclaveAuditCollection : ICollectionFixture<EnclaveAuditFixture>
{
    public const string Name = "enclave-audit";
}
