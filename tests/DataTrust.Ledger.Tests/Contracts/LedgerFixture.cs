using System.Numerics;
using System.Security.Cryptography;
using DataTrust.Core.Catalog;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;

namespace DataTrust.Ledger.Tests.Contracts;

/// <summary>One anvil with DataTrust deployed, shared by the contract tests; every test builds its own small world on it.</summary>
public sealed class LedgerFixture : IAsyncLifetime
{
    private readonly List<EthereumKey> _keys = [];
    private LocalChain.LocalChain? _chain;

    public LocalChain.LocalChain Chain => _chain!;

    public JsonRpcClient Rpc { get; private set; } = null!;

    public EthereumKey AuthorityKey { get; private set; } = null!;

    public DataTrustLedger Authority { get; private set; } = null!;

    public Deployment Deployment => Authority.Deployment;

    public async Task InitializeAsync()
    {
        _chain = await LocalChain.LocalChain.StartAsync(new LocalChainOptions());
        Rpc = _chain.CreateClient();
        AuthorityKey = EthereumKey.FromPrivateKeyHex(_chain.DevelopmentPrivateKeys[0]);
        Authority = await DataTrustLedger.DeployAsync(Rpc, AuthorityKey);
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

    /// <summary>A fresh funded account.</summary>
    public async Task<EthereumKey> NewAccountAsync()
    {
        var key = EthereumKey.Generate();
        _keys.Add(key);
        await Rpc.CallAsync("anvil_setBalance", [key.Address.ToLowerHex(), JsonRpcClient.ToQuantity(BigInteger.Pow(10, 21))]);
        return key;
    }

    public Task<DataTrustLedger> AsAsync(EthereumKey key) => DataTrustLedger.ConnectAsync(Rpc, Deployment, key);

    public async Task<ulong> NowAsync() => (await Rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;

    public async Task AdvanceTimeAsync(ulong seconds)
    {
        await Rpc.CallAsync("evm_increaseTime", [seconds]);
        await Rpc.CallAsync("evm_mine", []);
    }

    /// <summary>An operator, a node and an enterprise, a published dataset, and (optionally) a granted license.</summary>
    public async Task<World> NewWorldAsync(
        ComputationKindSet datasetKinds = ComputationKindSet.Aggregate | ComputationKindSet.HeWeightedAggregate,
        ComputationKindSet? licenseKinds = null,
        uint quota = 20,
        TimeSpan? validFor = null,
        string epsilonBudget = "2.0",
        bool grant = true,
        ProtectionGrade grade = ProtectionGrade.Restricted,
        string epsilonCap = "100")
    {
        var operatorKey = await NewAccountAsync();
        var nodeKey = await NewAccountAsync();
        var enterpriseKey = await NewAccountAsync();
        await Authority.Participants.AdmitAsync(operatorKey.Address, Role.Operator, "Tax data operator");
        await Authority.Participants.AdmitNodeAsync(nodeKey.Address, "Tax node", "tax", "http://127.0.0.1:50051", nodeKey.Address);
        await Authority.Participants.AdmitAsync(enterpriseKey.Address, Role.Enterprise, "Bank of Example", ValidCreditCode);

        var op = await AsAsync(operatorKey);
        var spec = SampleSpec(NewId(), nodeKey.Address, datasetKinds, grade, Epsilon.Parse(epsilonCap));
        await op.Catalog.PublishAsync(spec);

        var enterprise = await AsAsync(enterpriseKey);
        var requestId = await enterprise.Licenses.RequestAsync(spec.Id, "small-business credit risk statistics");
        ulong licenseId = 0;
        if (grant)
        {
            var now = await NowAsync();
            var expires = DateTimeOffset.FromUnixTimeSeconds((long)now) + (validFor ?? TimeSpan.FromDays(90));
            licenseId = await op.Licenses.GrantAsync(requestId, licenseKinds ?? ComputationKindSet.Aggregate, quota, expires, Epsilon.Parse(epsilonBudget));
        }

        return new World(operatorKey, nodeKey, enterpriseKey, op, await AsAsync(nodeKey), enterprise, spec, requestId, licenseId);
    }

    /// <summary>A second enterprise on a world's dataset with its own granted license (aggregate only, 20 jobs, 90 days).</summary>
    public async Task<(EthereumKey Key, DataTrustLedger Ledger, ulong LicenseId)> AddLicenseeAsync(World world, string epsilonBudget)
    {
        var key = await NewAccountAsync();
        await Authority.Participants.AdmitAsync(key.Address, Role.Enterprise, "Second bank", ValidCreditCode);
        var enterprise = await AsAsync(key);
        var requestId = await enterprise.Licenses.RequestAsync(world.Dataset.Id, "portfolio benchmarking");
        var expires = DateTimeOffset.FromUnixTimeSeconds((long)await NowAsync()) + TimeSpan.FromDays(90);
        var licenseId = await world.Operator.Licenses.GrantAsync(requestId, ComputationKindSet.Aggregate, 20, expires, Epsilon.Parse(epsilonBudget));
        return (key, enterprise, licenseId);
    }

    /// <summary>A credit code with a valid GB 32100-2015 check character.</summary>
    public const string ValidCreditCode = "91350100M000100Y43";

    public static Hash32 NewId() => new(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// A four-column tax dataset that meets every grade: its GROUP_BY columns declare public domains and its numeric FILTER
    /// column a grid (RESTRICTED by default, with an ε cap of 100 so the cap is not the point unless a test makes it so).
    /// </summary>
    public static DatasetSpec SampleSpec(Hash32 id, Address node, ComputationKindSet kinds, ProtectionGrade grade = ProtectionGrade.Restricted, Epsilon? epsilonCap = null) => new(
        id,
        "tax.annual",
        node,
        new Hash32(SHA256.HashData("schema"u8)),
        3000,
        new Hash32(SHA256.HashData("snapshot"u8)),
        grade,
        10,
        1,
        85,
        kinds,
        [
            new ColumnSpec("uscc", ColumnType.Text, ColumnPermissions.JoinKey, 0, 0),
            new ColumnSpec("year", ColumnType.Int, ColumnPermissions.GroupBy | ColumnPermissions.Filter, 0, 0, ["2023", "2024", "2025"], 1),
            new ColumnSpec("revenue", ColumnType.Decimal, ColumnPermissions.Aggregate | ColumnPermissions.MinMax, 0, 1_000_000),
            new ColumnSpec("credit_grade", ColumnType.Text, ColumnPermissions.GroupBy, 0, 0, ["A", "B", "C", "D"]),
        ])
    {
        EpsilonCap = epsilonCap ?? Epsilon.Parse("100"),
    };
}

public sealed record World(
    EthereumKey OperatorKey,
    EthereumKey NodeKey,
    EthereumKey EnterpriseKey,
    DataTrustLedger Operator,
    DataTrustLedger Node,
    DataTrustLedger Enterprise,
    DatasetSpec Dataset,
    ulong RequestId,
    ulong LicenseId);

[CollectionDefinition(Name)]
public sealed class LedgerCollection : ICollectionFixture<LedgerFixture>
{
    public const string Name = "ledger";
}

internal static class Refusal
{
    /// <summary>Asserts the call is refused with the named custom error and returns it for argument checks.</summary>
    public static async Task<ContractRevertedException> ExpectAsync(string errorName, Func<Task> call)
    {
        var ex = await Assert.ThrowsAsync<ContractRevertedException>(call);
        Assert.Equal(errorName, ex.ErrorName);
        return ex;
    }
}
