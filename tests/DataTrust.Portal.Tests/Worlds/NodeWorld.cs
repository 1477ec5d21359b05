using System.Net;
using System.Security.Cryptography;
using DataTrust.Core.Catalog;
using DataTrust.Core.Identity;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;
using DataTrust.Node.Hosting;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using DataTrust.Node.Tests.Execution;
using Microsoft.AspNetCore.Builder;

namespace DataTrust.Portal.Tests.Worlds;

/// <summary>One running domain node of a <see cref="NodeWorld"/>.</summary>
/// <param name="Domain">The domain, also the dataset's id on the node (market_regulation, tax, social_security).</param>
/// <param name="Account">The node's account on chain.</param>
/// <param name="Endpoint">Where it serves gRPC (plaintext on loopback), as registered on chain.</param>
/// <param name="DataDirectory">Its data directory (DuckDB file, execution.log, release.log).</param>
/// <param name="DatasetId">Its dataset's on-chain id.</param>
public sealed record WorldNode(string Domain, Address Account, Uri Endpoint, string DataDirectory, Hash32 DatasetId)
{
    /// <summary>The node's execution log (what the auditor replays).</summary>
    public string ExecutionLog => Path.Combine(DataDirectory, "execution.log");
}

/// <summary>
/// The demo's world, small: a real anvil with DataTrust deployed, the three demo domains' nodes (market_regulation
/// OPEN, tax SENSITIVE, social_security RESTRICTED) started in-process on loopback with real DuckDB files holding a
/// few hundred generated rows each, their datasets published by one operator, and accounts for the authority, the
/// operator, an enterprise, an auditor and a data subject (a company in the tax data), each as a private key in hex
/// so a portal can be started as any of them with <see cref="StartPortalAsync"/>. Nodes serve jobs through the chain.
/// </summary>
public sealed class NodeWorld : IAsyncLifetime
{
    /// <summary>The OPEN market register's domain (and dataset id on its node).</summary>
    public const string Market = "market_regulation";

    /// <summary>The SENSITIVE tax register's domain.</summary>
    public const string Tax = "tax";

    /// <summary>The RESTRICTED social-security register's domain.</summary>
    public const string Social = "social_security";

    /// <summary>Rows generated for each register (small: the suite stays fast).</summary>
    public const int Rows = 400;

    /// <summary>The purpose <see cref="GrantAsync"/> requests licenses for.</summary>
    public const string Purpose = "small-business credit risk statistics";

    private readonly List<WebApplication> _apps = [];
    private readonly Dictionary<string, WebApplication> _appsByDomain = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WorldNode> _nodes = new(StringComparer.Ordinal);
    private LocalChain? _chain;
    private TestAccounts? _accounts;
    private EthereumKey? _authorityKey;
    private EthereumKey? _operatorKey;
    private EthereumKey? _enterpriseKey;
    private EthereumKey? _auditorKey;
    private EthereumKey? _subjectKey;

    /// <summary>The folder everything of this world is written under (deleted on dispose).</summary>
    public DirectoryInfo Directory { get; } = System.IO.Directory.CreateTempSubdirectory("datatrust-portal-world-");

    /// <summary>The chain's JSON-RPC endpoint.</summary>
    public Uri RpcUri => _chain!.RpcUri;

    /// <summary>The chain's JSON-RPC client.</summary>
    public JsonRpcClient Rpc { get; private set; } = null!;

    /// <summary>The deployment.</summary>
    public Deployment Deployment { get; private set; } = null!;

    /// <summary>The deployment's authority; bound afresh on each read, so its nonces are counted from the chain (portals send as the same account).</summary>
    public DataTrustLedger Authority => DataTrustLedger.Bind(Rpc, Deployment, _authorityKey!);

    /// <summary>The authority's private key (hex).</summary>
    public string AuthorityKeyHex { get; private set; } = "";

    /// <summary>The data operator who published all three registers; bound afresh on each read, so its nonces are counted from the chain (portals send as the same account).</summary>
    public DataTrustLedger Operator => DataTrustLedger.Bind(Rpc, Deployment, _operatorKey!);

    /// <summary>The operator's private key (hex).</summary>
    public string OperatorKeyHex { get; private set; } = "";

    /// <summary>An admitted enterprise (a bank) holding no license yet; bound afresh on each read, so its nonces are counted from the chain (portals send as the same account).</summary>
    public DataTrustLedger Enterprise => DataTrustLedger.Bind(Rpc, Deployment, _enterpriseKey!);

    /// <summary>The enterprise's private key (hex).</summary>
    public string EnterpriseKeyHex { get; private set; } = "";

    /// <summary>An admitted auditor; bound afresh on each read, so its nonces are counted from the chain (portals send as the same account).</summary>
    public DataTrustLedger Auditor => DataTrustLedger.Bind(Rpc, Deployment, _auditorKey!);

    /// <summary>The auditor's private key (hex).</summary>
    public string AuditorKeyHex { get; private set; } = "";

    /// <summary>A company in the tax data, admitted with its credit code, that can give consent as a data subject; bound afresh on each read, so its nonces are counted from the chain (portals send as the same account).</summary>
    public DataTrustLedger Subject => DataTrustLedger.Bind(Rpc, Deployment, _subjectKey!);

    /// <summary>The data subject's private key (hex).</summary>
    public string SubjectKeyHex { get; private set; } = "";

    /// <summary>The data subject's unified social credit code (its rows are in the tax data).</summary>
    public string SubjectCode { get; private set; } = "";

    /// <summary>The running nodes by domain.</summary>
    public IReadOnlyDictionary<string, WorldNode> Nodes => _nodes;

    /// <summary>The published datasets' on-chain ids by domain.</summary>
    public IReadOnlyDictionary<string, Hash32> Datasets => _nodes.ToDictionary(n => n.Key, n => n.Value.DatasetId, StringComparer.Ordinal);

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        _chain = await LocalChain.StartAsync();
        Rpc = _chain.CreateClient();
        _accounts = new TestAccounts(Rpc);
        AuthorityKeyHex = _chain.DevelopmentPrivateKeys[0];
        _authorityKey = _accounts.Keep(EthereumKey.FromPrivateKeyHex(AuthorityKeyHex));
        Deployment = (await DataTrustLedger.DeployAsync(Rpc, _authorityKey)).Deployment;
        (OperatorKeyHex, _operatorKey) = await NewFundedKeyAsync();
        (EnterpriseKeyHex, _enterpriseKey) = await NewFundedKeyAsync();
        (AuditorKeyHex, _auditorKey) = await NewFundedKeyAsync();
        (SubjectKeyHex, _subjectKey) = await NewFundedKeyAsync();
        await Authority.Participants.AdmitAsync(_operatorKey.Address, Role.Operator, "Public data operation center");
        await Authority.Participants.AdmitAsync(_enterpriseKey.Address, Role.Enterprise, "Example City Commercial Bank", CreditCode("91330100MA2B3C4D5"));
        await Authority.Participants.AdmitAsync(_auditorKey.Address, Role.Auditor, "Public data audit office");

        foreach (var (domain, sample) in new[] { (Market, SampleDataset.MarketRegister), (Tax, SampleDataset.Tax), (Social, SampleDataset.SocialSecurity) })
        {
            await StartNodeAsync(domain, sample);
        }

        await Authority.Participants.AdmitAsync(_subjectKey.Address, Role.Enterprise, "Example Small Manufacturing Co., Ltd.", SubjectCode);
    }

    /// <summary>Starts a portal acting as the account of <paramref name="privateKeyHex"/>, keeping its files in <paramref name="work"/>.</summary>
    public Task<PortalHost> StartPortalAsync(string privateKeyHex, DirectoryInfo? work = null) =>
        PortalHost.StartAsync(new PortalOptions
        {
            Rpc = RpcUri,
            Deployment = Deployment,
            Key = EthereumKey.FromPrivateKeyHex(privateKeyHex),
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            WorkDirectory = work,
            PollInterval = TimeSpan.FromMilliseconds(200),
        });

    /// <summary>A fresh folder under this world's folder, for a portal's work directory.</summary>
    public DirectoryInfo NewWorkDirectory(string name = "portal") =>
        Directory.CreateSubdirectory(name + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>
    /// Gives the enterprise a license directly through the ledger (request, then the operator's grant), for tests that
    /// start after a grant; returns the license id.
    /// </summary>
    public async Task<ulong> GrantAsync(string domain, ComputationKindSet kinds = ComputationKindSet.Aggregate, uint quota = 20, string epsilon = "2.0", int days = 90, string purpose = Purpose, DataTrustLedger? licensee = null)
    {
        var request = await (licensee ?? Enterprise).Licenses.RequestAsync(_nodes[domain].DatasetId, purpose);
        var now = (await Rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;
        return await Operator.Licenses.GrantAsync(request, kinds, quota, DateTimeOffset.FromUnixTimeSeconds((long)now).AddDays(days), Epsilon.Parse(epsilon));
    }

    /// <summary>Stops a domain's node (its endpoint stays on chain, so callers meet a node that is down); it cannot be restarted.</summary>
    public async Task StopNodeAsync(string domain)
    {
        if (_appsByDomain.Remove(domain, out var app))
        {
            _apps.Remove(app);
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>A new funded account with no role, with its private key as hex.</summary>
    public async Task<(string Hex, EthereumKey Key)> NewFundedKeyAsync()
    {
        var hex = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(EthereumKey.PrivateKeySize));
        var key = _accounts!.Keep(EthereumKey.FromPrivateKeyHex(hex));
        await _accounts.FundAsync(key.Address);
        return (hex, key);
    }

    /// <summary>Advances the chain's clock (and mines a block), e.g. past a job's deadline or a license's expiry.</summary>
    public async Task AdvanceTimeAsync(TimeSpan by)
    {
        await Rpc.CallAsync("evm_increaseTime", [(long)by.TotalSeconds]);
        await Rpc.CallAsync("evm_mine", []);
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        _apps.Clear();
        Rpc?.Dispose();
        _accounts?.Dispose();
        if (_chain is not null)
        {
            await _chain.DisposeAsync();
        }

        try
        {
            Directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // DuckDB may still hold a file briefly; the temp folder is cleaned by the OS.
        }
    }

    private static string CreditCode(string body) => body + UnifiedSocialCreditCode.ComputeCheckCharacter(body);

    private async Task StartNodeAsync(string domain, SampleDataset sample)
    {
        var data = Directory.CreateSubdirectory(Path.Combine("nodes", domain)).FullName;
        var csv = Path.Combine(data, "source.csv");
        sample.WriteCsv(csv, Rows, seed: 20261123);
        if (sample == SampleDataset.Tax)
        {
            SubjectCode = File.ReadLines(csv).Skip(1).Select(line => line.Split(',')[0]).First();
        }

        DatasetDescriptor descriptor;
        using (var store = new DatasetStore(data))
        {
            descriptor = store.Import(sample.ImportFrom(csv, domain));
        }

        File.Delete(csv);
        // The node owns and disposes its key.
        var nodeKey = EthereumKey.Generate();
        await _accounts!.FundAsync(nodeKey.Address);
        var app = NodeApp.Create(
            new NodeOptions { DataDirectory = data, ListenAddress = "127.0.0.1:0" },
            configureLogging: null,
            chain: new NodeChain(RpcUri, Deployment, nodeKey));
        await app.StartAsync();
        _apps.Add(app);
        _appsByDomain[domain] = app;
        var endpoint = NodeApp.BoundAddress(app);
        await Authority.Participants.AdmitNodeAsync(nodeKey.Address, $"{domain} node", domain, endpoint.ToString(), nodeKey.Address);
        var spec = CatalogEntries.FromDescriptor(descriptor, nodeKey.Address, $"{domain} register (sample)");
        await Operator.Catalog.PublishAsync(spec);
        _nodes[domain] = new WorldNode(domain, nodeKey.Address, endpoint, data, spec.Id);
    }
}
