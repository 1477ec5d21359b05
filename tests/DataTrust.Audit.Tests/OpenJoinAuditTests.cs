using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using DataTrust.Audit.Internal;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Audit.Tests;

/// <summary>
/// One anvil with joins of a RESTRICTED tax dataset and the OPEN market register (tax paid by district): one completed, one
/// failed by a node (refunded), one cancelled after the deadline. A second OPEN dataset stands by for a doctored all-OPEN join.
/// </summary>
public sealed class OpenJoinAuditFixture : IAsyncLifetime
{
    private readonly List<EthereumKey> _keys = [];
    private LocalChain? _chain;

    public JsonRpcClient Rpc { get; private set; } = null!;

    public DataTrustLedger ReadOnly { get; private set; } = null!;

    public Deployment Deployment => ReadOnly.Deployment;

    /// <summary>The licenses on tax (RESTRICTED), the register (OPEN) and the gazette (OPEN), in that order.</summary>
    public IReadOnlyList<ulong> LicenseIds { get; private set; } = [];

    /// <summary>The datasets, in the same order.</summary>
    public IReadOnlyList<Hash32> DatasetIds { get; private set; } = [];

    public ulong CompletedJoin { get; private set; }

    public ulong RefundedJoin { get; private set; }

    public ulong CancelledJoin { get; private set; }

    public async Task InitializeAsync()
    {
        _chain = await LocalChain.StartAsync(new LocalChainOptions());
        Rpc = _chain.CreateClient();
        var authority = await DataTrustLedger.DeployAsync(Rpc, Keep(EthereumKey.FromPrivateKeyHex(_chain.DevelopmentPrivateKeys[0])));
        ReadOnly = await DataTrustLedger.ConnectAsync(Rpc, authority.Deployment);
        var enterpriseKey = await NewAccountAsync();
        await authority.Participants.AdmitAsync(enterpriseKey.Address, Role.Enterprise, "Join analytics", "91350100M000100Y43");
        var enterprise = await ConnectAsync(enterpriseKey);
        var licenses = new List<ulong>();
        var datasets = new List<Hash32>();
        var nodes = new List<DataTrustLedger>();
        foreach (var (domain, grade) in new[] { ("tax", ProtectionGrade.Restricted), ("market", ProtectionGrade.Open), ("gazette", ProtectionGrade.Open) })
        {
            var operatorKey = await NewAccountAsync();
            var nodeKey = await NewAccountAsync();
            await authority.Participants.AdmitAsync(operatorKey.Address, Role.Operator, domain + " operator");
            await authority.Participants.AdmitNodeAsync(nodeKey.Address, domain + " node", domain, "http://127.0.0.1:50051", nodeKey.Address);
            var op = await ConnectAsync(operatorKey);
            var dataset = Spec(new Hash32(RandomNumberGenerator.GetBytes(32)), domain, nodeKey.Address, grade);
            await op.Catalog.PublishAsync(dataset);
            var requestId = await enterprise.Licenses.RequestAsync(dataset.Id, "tax paid by district");
            var expires = DateTimeOffset.FromUnixTimeSeconds((long)await NowAsync()) + TimeSpan.FromDays(30);
            licenses.Add(await op.Licenses.GrantAsync(requestId, ComputationKindSet.EnclaveJoin, 10, expires, Epsilon.Parse("3")));
            datasets.Add(dataset.Id);
            nodes.Add(await ConnectAsync(nodeKey));
        }

        LicenseIds = licenses;
        DatasetIds = datasets;
        var measurement = new Hash32(SHA256.HashData("DataTrust.EnclaveSim build 1"u8));
        var platform = await NewAccountAsync();
        await authority.Enclaves.ApproveMeasurementAsync(measurement, "enclave-sim build 1");
        await authority.Enclaves.ApprovePlatformKeyAsync(platform.Address, "simulated platform");
        var host = await ConnectAsync(await NewAccountAsync());
        var enclave = Keep(EthereumKey.Generate());
        var issuedAt = await NowAsync();
        var reportData = EnclavesContract.ReportDataOf(enclave.PublicKey);
        var nonce = new Hash32(RandomNumberGenerator.GetBytes(32));
        var quoteSignature = EnclavesContract.SignQuote(platform, Deployment.ChainId, Deployment.Enclaves, measurement, reportData, issuedAt, nonce);
        var quoteId = await host.Enclaves.RecordQuoteAsync(measurement, reportData, enclave.PublicKey.ToArray(), issuedAt, nonce, quoteSignature.ToBytes(), "http://127.0.0.1:50077");

        var spec = Encoding.UTF8.GetBytes("join tax.uscc = market.uscc group by market.district count sum(tax_paid)");
        var taxAndRegister = new[] { licenses[0], licenses[1] };
        CompletedJoin = await enterprise.Jobs.SubmitJoinAsync(taxAndRegister, measurement, spec, Epsilon.Parse("0.5"));
        var resultHash = new Hash32(RandomNumberGenerator.GetBytes(32));
        await host.Jobs.CompleteJoinAsync(CompletedJoin, quoteId, resultHash, JobsContract.SignResult(enclave, Deployment.Jobs, Deployment.ChainId, CompletedJoin, resultHash));
        RefundedJoin = await enterprise.Jobs.SubmitJoinAsync(taxAndRegister, measurement, spec, Epsilon.Parse("0.4"));
        await nodes[1].Jobs.FailAsync(RefundedJoin, "district is not a GROUP_BY column");
        CancelledJoin = await enterprise.Jobs.SubmitJoinAsync(taxAndRegister, measurement, spec, Epsilon.Parse("0.1"));
        await Rpc.CallAsync("evm_increaseTime", [(ulong)DataTrustLedger.DefaultPendingDeadline.TotalSeconds + 1]);
        await Rpc.CallAsync("evm_mine", []);
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

    private static DatasetSpec Spec(Hash32 id, string domain, Address node, ProtectionGrade grade) => new(
        id,
        domain + ".companies",
        node,
        new Hash32(SHA256.HashData("schema"u8)),
        3000,
        new Hash32(SHA256.HashData("snapshot"u8)),
        grade,
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
        EpsilonCap = grade == ProtectionGrade.Open ? Epsilon.Zero : Epsilon.Parse("10"),
    };
}

/// <summary>
/// The audit charges a join's ε as Jobs.submitJoin does: none on an OPEN dataset's license, the full ε on every other. The
/// honest trail passes; a doctored trail that charges (or refunds) ε on the OPEN license, or joins only OPEN datasets, is caught.
/// </summary>
public sealed class OpenJoinAuditTests(OpenJoinAuditFixture fixture) : IClassFixture<OpenJoinAuditFixture>
{
    [Fact]
    public async Task The_honest_trail_of_joins_with_the_OPEN_register_passes_and_the_register_license_keeps_its_epsilon()
    {
        var report = await new Auditor().VerifyAsync(fixture.ReadOnly, AuditInputs.ChainOnly);

        Assert.All(report.Checks, c => Assert.Empty(c.Findings));
        Assert.Equal(AuditVerdict.Pass, report.Verdict);
        var tax = report.Licenses.Single(l => l.LicenseId == fixture.LicenseIds[0]);
        var register = report.Licenses.Single(l => l.LicenseId == fixture.LicenseIds[1]);
        Assert.Equal((9L, 2_500_000L), (tax.QuotaRemaining, tax.EpsilonRemainingMicros));
        Assert.Equal((9L, 3_000_000L), (register.QuotaRemaining, register.EpsilonRemainingMicros));
        Assert.Equal(500_000L, report.Datasets.Single(d => d.Id == fixture.DatasetIds[0]).EpsilonSpentMicros);
        Assert.Equal(0L, report.Datasets.Single(d => d.Id == fixture.DatasetIds[1]).EpsilonSpentMicros);
    }

    [Fact]
    public async Task A_ledger_that_charged_epsilon_on_the_OPEN_license_of_a_join_is_a_license_finding()
    {
        var trail = await TrailAsync();
        var i = trail.FindIndex(e => e.Name == "LicenseConsumed" && e.Values.GetUInt64("licenseId") == fixture.LicenseIds[1]);
        trail[i] = With(With(trail[i], "epsilon", new BigInteger(500_000)), "epsilonRemaining", new BigInteger(2_500_000));

        var replay = await ReplayAsync(trail);

        Assert.All(replay.LicenseFindings, f => Assert.Equal(fixture.LicenseIds[1], f.LicenseId));
        Assert.Contains(replay.LicenseFindings, f => f.What.Contains("leave 9 jobs and ε 2.500000, but its jobs' submissions and closures in Jobs leave 9 jobs and ε 3.000000", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_refund_of_epsilon_to_the_OPEN_license_of_a_join_is_a_closure_finding()
    {
        var trail = await TrailAsync();
        var i = trail.FindIndex(e => e.Name == "LicenseRefunded" && e.Values.GetUInt64("jobId") == fixture.RefundedJoin && e.Values.GetUInt64("licenseId") == fixture.LicenseIds[1]);
        trail[i] = With(trail[i], "epsilon", new BigInteger(400_000));

        var replay = await ReplayAsync(trail);

        Assert.Contains(replay.ClosureFindings, f => f.JobId == fixture.RefundedJoin && f.LicenseId == fixture.LicenseIds[1]
            && f.What.Contains("which spent ε 0.000000 on it", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_join_of_only_OPEN_datasets_is_a_submission_finding()
    {
        var trail = await TrailAsync();
        var i = trail.FindIndex(e => e.Name == "JoinSubmitted" && e.Values.GetUInt64("jobId") == fixture.CompletedJoin);
        var openOnly = With(
            With(trail[i], "licenseIds", new object?[] { new BigInteger(fixture.LicenseIds[1]), new BigInteger(fixture.LicenseIds[2]) }),
            "datasetIds",
            new object?[] { fixture.DatasetIds[1].ToArray(), fixture.DatasetIds[2].ToArray() });
        trail[i] = openOnly;

        var replay = await ReplayAsync(trail);

        Assert.Contains(replay.SubmissionFindings, f => f.JobId == fixture.CompletedJoin && f.What.Contains("every dataset it names is OPEN", StringComparison.Ordinal));
    }

    private async Task<List<ContractEvent>> TrailAsync()
    {
        var ledger = fixture.ReadOnly;
        var events = new List<ContractEvent>();
        foreach (var binding in new ContractBinding[] { ledger.Participants, ledger.Catalog, ledger.Licenses, ledger.Enclaves, ledger.Jobs })
        {
            events.AddRange(await binding.GetEventsAsync(fixture.Deployment.DeploymentBlock));
        }

        return [.. events.OrderBy(e => e.BlockNumber).ThenBy(e => e.LogIndex)];
    }

    private async Task<Replay> ReplayAsync(IEnumerable<ContractEvent> events)
    {
        var replay = new Replay(fixture.Deployment, async block => (await fixture.Rpc.GetBlockAsync(BlockTag.Number(block)))!.Timestamp);
        foreach (var e in events)
        {
            await replay.ApplyAsync(e);
        }

        replay.Finish();
        return replay;
    }

    private static ContractEvent Encode(string name, ContractEvent at, object?[] values)
    {
        var abi = new[] { DataTrustAbi.Participants, DataTrustAbi.Catalog, DataTrustAbi.Licenses, DataTrustAbi.Enclaves, DataTrustAbi.Jobs }
            .First(a => a.Abi.Events.Any(e => e.Name == name)).Abi.GetEvent(name);
        var (topics, data) = abi.EncodeLog(values);
        return at with { Name = name, Values = abi.DecodeLog(topics, data).Values };
    }

    private static ContractEvent With(ContractEvent e, string field, object? value)
    {
        var values = e.Values.ToArray();
        values[e.Values.Parameters.ToList().FindIndex(p => p.Name == field)] = value;
        return Encode(e.Name, e, values);
    }
}
