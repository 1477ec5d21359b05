using System.Numerics;
using System.Text.Json;
using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Keystore;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;
using DataTrust.Node.Hosting;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using DataTrust.Node.Transport;
using Microsoft.AspNetCore.Builder;

namespace DataTrust.Client.Tests.Readme;

/// <summary>
/// What the README example is given: a real anvil with DataTrust deployed, a real node over TLS on a loopback port
/// serving the RESTRICTED tax sample (a real DuckDB file), published by an operator, and an enterprise holding a
/// license on it — its keystore, the deployment file, the CA file and a query file on disk.
/// </summary>
public sealed class ReadmeWorld : IAsyncLifetime
{
    /// <summary>The keystore password.</summary>
    public const string Password = "readme-example";

    private readonly List<EthereumKey> _keys = [];
    private LocalChain? _chain;
    private WebApplication? _node;
    private LocalCertificateAuthority? _ca;

    /// <summary>Where every file lives; deleted at the end.</summary>
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "datatrust-readme-" + Guid.NewGuid().ToString("N"));

    /// <summary>The chain's JSON-RPC endpoint.</summary>
    public Uri Rpc => _chain!.RpcUri;

    /// <summary>The deployment file.</summary>
    public string DeploymentFile => Path.Combine(Folder, "deployment.json");

    /// <summary>The enterprise's keystore file.</summary>
    public string KeystoreFile { get; private set; } = string.Empty;

    /// <summary>The PEM file of the CA that issued the node's certificate.</summary>
    public string CaFile => Path.Combine(Folder, "ca.pem");

    /// <summary>A query file on the tax sample.</summary>
    public string QueryFile => Path.Combine(Folder, "query.json");

    /// <summary>The enterprise's license on the tax sample.</summary>
    public ulong LicenseId { get; private set; }

    /// <summary>The ledger, read-only.</summary>
    public DataTrustLedger Ledger { get; private set; } = null!;

    /// <summary>The node's account.</summary>
    public Address NodeAccount { get; private set; }

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Folder);
        _chain = await LocalChain.StartAsync();
        var rpc = _chain.CreateClient();
        var authority = await DataTrustLedger.DeployAsync(rpc, Keep(EthereumKey.FromPrivateKeyHex(_chain.DevelopmentPrivateKeys[0])));
        authority.Deployment.Save(DeploymentFile);
        Ledger = await DataTrustLedger.ConnectAsync(rpc, authority.Deployment);
        var operatorKey = await FundedAsync(rpc);
        var enterpriseKey = await FundedAsync(rpc);
        var nodeKey = await FundedAsync(rpc);
        NodeAccount = nodeKey.Address;
        KeystoreFile = Keystore.Save(enterpriseKey, Password, Folder);

        var data = Path.Combine(Folder, "node-data");
        var csv = Path.Combine(Folder, "tax.csv");
        SampleDataset.Tax.WriteCsv(csv, 1500, seed: 11);
        DatasetDescriptor descriptor;
        using (var store = new DatasetStore(data))
        {
            // RESTRICTED, so an exact (ε = 0) job reaches the node and is audited across queries.
            var import = SampleDataset.Tax.ImportFrom(csv);
            descriptor = store.Import(import with { Policy = import.Policy with { Grade = ProtectionGrade.Restricted } });
        }

        _ca = LocalCertificateAuthority.Create("DataTrust README CA");
        await File.WriteAllTextAsync(CaFile, _ca.CertificatePem);
        _node = NodeApp.Create(
            new NodeOptions { DataDirectory = data, ListenAddress = "127.0.0.1:0", TlsCertificate = _ca.IssueLoopbackCertificate() },
            chain: new NodeChain(_chain.RpcUri, authority.Deployment, nodeKey));
        await _node.StartAsync();

        await authority.Participants.AdmitAsync(operatorKey.Address, Role.Operator, "Tax data operator");
        await authority.Participants.AdmitNodeAsync(NodeAccount, "Tax node", "tax", NodeApp.BoundAddress(_node).ToString(), NodeAccount);
        await authority.Participants.AdmitAsync(enterpriseKey.Address, Role.Enterprise, "Bank", "91350100M000100Y43");
        var op = await DataTrustLedger.ConnectAsync(rpc, authority.Deployment, operatorKey);
        var enterprise = await DataTrustLedger.ConnectAsync(rpc, authority.Deployment, enterpriseKey);
        await op.Catalog.PublishAsync(CatalogEntries.FromDescriptor(descriptor, NodeAccount, "Tax (sample)"));
        var request = await enterprise.Licenses.RequestAsync(DatasetIds.OnChainId(descriptor.Id), "credit risk statistics");
        var now = (await rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;
        LicenseId = await op.Licenses.GrantAsync(request, ComputationKindSet.Aggregate, 5, DateTimeOffset.FromUnixTimeSeconds((long)now).AddDays(30), Epsilon.Parse("1.0"));

        await File.WriteAllTextAsync(QueryFile, JsonSerializer.Serialize(new
        {
            datasetId = descriptor.Id,
            groupBy = new[] { "credit_grade" },
            measures = new object[] { new { function = "COUNT" }, new { function = "SUM", column = "tax_paid" } },
        }));
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.StopAsync();
            await _node.DisposeAsync();
        }

        if (_chain is not null)
        {
            await _chain.DisposeAsync();
        }

        _ca?.Dispose();
        foreach (var key in _keys)
        {
            key.Dispose();
        }

        Directory.Delete(Folder, recursive: true);
    }

    private EthereumKey Keep(EthereumKey key)
    {
        _keys.Add(key);
        return key;
    }

    private async Task<EthereumKey> FundedAsync(JsonRpcClient rpc)
    {
        var key = Keep(EthereumKey.Generate());
        await rpc.CallAsync("anvil_setBalance", [key.Address.ToLowerHex(), JsonRpcClient.ToQuantity(BigInteger.Pow(10, 21))]);
        return key;
    }
}
