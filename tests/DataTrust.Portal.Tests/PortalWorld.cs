using System.Net;
using System.Security.Cryptography;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Tests.Execution;

namespace DataTrust.Portal.Tests;

/// <summary>
/// A real anvil with DataTrust deployed, an operator, an enterprise, an auditor and a registered node, and two datasets
/// in the catalog (one OPEN, one SENSITIVE); portals are started per test for whichever account it acts as.
/// </summary>
public sealed class PortalWorld : IAsyncLifetime
{
    private LocalChain? _chain;
    private TestAccounts? _accounts;

    /// <summary>The chain's JSON-RPC endpoint.</summary>
    public Uri RpcUri => _chain!.RpcUri;

    /// <summary>The chain's JSON-RPC client.</summary>
    public JsonRpcClient Rpc { get; private set; } = null!;

    /// <summary>The deployment's authority.</summary>
    public DataTrustLedger Authority { get; private set; } = null!;

    /// <summary>The data operator who published the datasets.</summary>
    public DataTrustLedger Operator { get; private set; } = null!;

    /// <summary>The operator's private key (hex), so a portal can act as the operator with its own key copy.</summary>
    public string OperatorKeyHex { get; private set; } = "";

    /// <summary>An admitted enterprise.</summary>
    public DataTrustLedger Enterprise { get; private set; } = null!;

    /// <summary>The enterprise's private key (hex).</summary>
    public string EnterpriseKeyHex { get; private set; } = "";

    /// <summary>An admitted auditor's private key (hex).</summary>
    public string AuditorKeyHex { get; private set; } = "";

    /// <summary>The registered node's account.</summary>
    public Address NodeAccount { get; private set; }

    /// <summary>The OPEN dataset's on-chain id.</summary>
    public Hash32 OpenDataset { get; } = DatasetIds.OnChainId("portal_register");

    /// <summary>The SENSITIVE dataset's on-chain id.</summary>
    public Hash32 SensitiveDataset { get; } = DatasetIds.OnChainId("portal_tax");

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        _chain = await LocalChain.StartAsync();
        Rpc = _chain.CreateClient();
        _accounts = new TestAccounts(Rpc);
        var authorityKey = _accounts.Keep(EthereumKey.FromPrivateKeyHex(_chain.DevelopmentPrivateKeys[0]));
        Authority = await DataTrustLedger.DeployAsync(Rpc, authorityKey);
        (OperatorKeyHex, var operatorKey) = await NewFundedKeyAsync();
        (EnterpriseKeyHex, var enterpriseKey) = await NewFundedKeyAsync();
        (AuditorKeyHex, var auditorKey) = await NewFundedKeyAsync();
        NodeAccount = (await _accounts.FundedAsync()).Address;
        await Authority.Participants.AdmitAsync(operatorKey.Address, Role.Operator, "Tax bureau data operator");
        await Authority.Participants.AdmitAsync(enterpriseKey.Address, Role.Enterprise, "Bank", "91350100M000100Y43");
        await Authority.Participants.AdmitAsync(auditorKey.Address, Role.Auditor, "Audit office");
        await Authority.Participants.AdmitNodeAsync(NodeAccount, "Tax node", "tax", "http://127.0.0.1:1", NodeAccount);
        Operator = await DataTrustLedger.ConnectAsync(Rpc, Authority.Deployment, operatorKey);
        Enterprise = await DataTrustLedger.ConnectAsync(Rpc, Authority.Deployment, enterpriseKey);

        await Operator.Catalog.PublishAsync(Spec(OpenDataset, "Market register", ProtectionGrade.Open, Epsilon.Zero));
        await Operator.Catalog.PublishAsync(Spec(SensitiveDataset, "Tax records", ProtectionGrade.Sensitive, Epsilon.Parse("5")));
    }

    /// <summary>Starts a portal acting as the account of <paramref name="privateKeyHex"/> (the portal owns and disposes its key copy).</summary>
    public Task<PortalHost> StartPortalAsync(string privateKeyHex, DirectoryInfo? work = null) =>
        PortalHost.StartAsync(new PortalOptions
        {
            Rpc = RpcUri,
            Deployment = Authority.Deployment,
            Key = EthereumKey.FromPrivateKeyHex(privateKeyHex),
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            WorkDirectory = work,
            PollInterval = TimeSpan.FromMilliseconds(200),
        });

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        Rpc?.Dispose();
        _accounts?.Dispose();
        if (_chain is not null)
        {
            await _chain.DisposeAsync();
        }
    }

    /// <summary>A new funded account, with its private key as hex so a portal can open its own copy.</summary>
    public async Task<(string Hex, EthereumKey Key)> NewFundedKeyAsync()
    {
        var hex = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(EthereumKey.PrivateKeySize));
        var key = _accounts!.Keep(EthereumKey.FromPrivateKeyHex(hex));
        await _accounts.FundAsync(key.Address);
        return (hex, key);
    }

    private DatasetSpec Spec(Hash32 id, string name, ProtectionGrade grade, Epsilon cap) =>
        new(id, name, NodeAccount, Hash32.Sha256([1, 2, 3]), 1_000, Hash32.Sha256([4, 5, 6]), grade, 5, 2, 80,
            ComputationKindSet.Aggregate | ComputationKindSet.EnclaveJoin,
            [
                new ColumnSpec("uscc", ColumnType.Text, ColumnPermissions.JoinKey, 0, 0),
                new ColumnSpec("district", ColumnType.Text, ColumnPermissions.GroupBy | ColumnPermissions.Filter, 0, 0, ["鼓楼区", "台江区"]),
                new ColumnSpec("tax_paid", ColumnType.Decimal, ColumnPermissions.Aggregate, 0, 1_000_000),
            ])
        {
            EpsilonCap = cap,
        };
}
