using System.Numerics;
using DataTrust.Core.Catalog;
using DataTrust.EnclaveSim.Host;
using DataTrust.EnclaveSim.Tee;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;
using DataTrust.Node.Hosting;
using DataTrust.Node.Samples;
using DataTrust.Node.Storage;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;

namespace DataTrust.EnclaveSim.Tests;

/// <summary>
/// Everything real: anvil with DataTrust deployed, a domain node (real DuckDB file, loopback gRPC) holding the tax and
/// social-security samples, the SIMULATED enclave host serving EnclaveService on loopback with its quote recorded on
/// chain, and an enterprise licensed for joins on both datasets. Every log line of the node and the enclave is captured.
/// </summary>
public sealed class JoinWorldFixture : IAsyncLifetime
{
    public const int TaxRows = 900;
    public const int SocialRows = 4800;

    private readonly List<EthereumKey> keys = [];
    private LocalChain? chain;
    private WebApplication? node;
    private WebApplication? enclave;
    private readonly string directory = Directory.CreateTempSubdirectory("datatrust-join-").FullName;

    public CapturingLogs Logs { get; } = new();

    public JsonRpcClient Rpc { get; private set; } = null!;

    public DataTrustLedger Authority { get; private set; } = null!;

    public DataTrustLedger Enterprise { get; private set; } = null!;

    public EthereumKey EnterpriseKey { get; private set; } = null!;

    public EnclaveRuntime Runtime { get; private set; } = null!;

    public GrpcChannel EnclaveChannel { get; private set; } = null!;

    public EnclaveService.EnclaveServiceClient Client { get; private set; } = null!;

    public Dictionary<string, ulong> Licenses { get; } = [];

    public string TaxCsv => Path.Combine(directory, "tax.csv");

    public string SocialCsv => Path.Combine(directory, "social.csv");

    public Deployment Deployment => Authority.Deployment;

    public async Task InitializeAsync()
    {
        chain = await LocalChain.StartAsync();
        Rpc = chain.CreateClient();
        Authority = await DataTrustLedger.DeployAsync(Rpc, Keep(EthereumKey.FromPrivateKeyHex(chain.DevelopmentPrivateKeys[0])));
        var operatorKey = await FundedAsync();
        EnterpriseKey = await FundedAsync();
        var hostKey = await FundedAsync();
        var nodeKey = await FundedAsync();
        var platformKey = EthereumKey.Generate();
        await Authority.Participants.AdmitAsync(operatorKey.Address, Role.Operator, "Operator");
        await Authority.Participants.AdmitAsync(EnterpriseKey.Address, Role.Enterprise, "Join analytics", "91350100M000100Y43");
        await Authority.Enclaves.ApproveMeasurementAsync(SimulatedTee.MeasureOwnAssembly(), "enclave-sim (simulated)");
        await Authority.Enclaves.ApprovePlatformKeyAsync(platformKey.Address, "simulated platform");
        var operatorLedger = await DataTrustLedger.ConnectAsync(Rpc, Deployment, operatorKey);
        Enterprise = await DataTrustLedger.ConnectAsync(Rpc, Deployment, EnterpriseKey);

        SampleDataset.Tax.WriteCsv(TaxCsv, TaxRows, seed: 41);
        SampleDataset.SocialSecurity.WriteCsv(SocialCsv, SocialRows, seed: 41);
        var data = Path.Combine(directory, "node");
        DatasetDescriptor taxDataset, socialDataset;
        using (var store = new DatasetStore(data))
        {
            taxDataset = store.Import(SampleDataset.Tax.ImportFrom(TaxCsv));
            socialDataset = store.Import(SampleDataset.SocialSecurity.ImportFrom(SocialCsv));
        }

        node = NodeApp.Create(
            new NodeOptions { DataDirectory = data, ListenAddress = "127.0.0.1:0" },
            logging => logging.AddProvider(Logs),
            new NodeChain(chain.RpcUri, Deployment, nodeKey));
        await node.StartAsync();
        await Authority.Participants.AdmitNodeAsync(nodeKey.Address, "Tax and social node", "tax", NodeApp.BoundAddress(node).ToString(), nodeKey.Address);
        await operatorLedger.Catalog.PublishAsync(CatalogEntries.FromDescriptor(taxDataset, nodeKey.Address, "Tax (sample)"));
        await operatorLedger.Catalog.PublishAsync(CatalogEntries.FromDescriptor(socialDataset, nodeKey.Address, "Social security (sample)"));

        var now = (await Rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;
        foreach (var dataset in new[] { "tax", "social_security" })
        {
            var request = await Enterprise.Licenses.RequestAsync(DatasetIds.OnChainId(dataset), "tax paid by employer size");
            Licenses[dataset] = await operatorLedger.Licenses.GrantAsync(request, SampleDataset.Tax.Policy.AllowedKinds, 100, DateTimeOffset.FromUnixTimeSeconds((long)now).AddDays(30), Epsilon.Parse("9.0"));
        }

        var host = await DataTrustLedger.ConnectAsync(Rpc, Deployment, hostKey);
        var joinChain = new LedgerJoinChain(host);
        Runtime = EnclaveRuntime.Create(SimulatedTee.Start(platformKey), joinChain);
        enclave = EnclaveHost.Create(new EnclaveHostOptions(), Runtime, joinChain, logging => logging.AddProvider(Logs));
        await enclave.StartAsync();
        await Runtime.RecordAsync(joinChain, EnclaveHost.BoundAddress(enclave).ToString());
        EnclaveChannel = GrpcChannel.ForAddress(EnclaveHost.BoundAddress(enclave));
        Client = new EnclaveService.EnclaveServiceClient(EnclaveChannel);
    }

    /// <summary>Submits a join under the licenses of <paramref name="datasets"/> (tax and social security by default).</summary>
    public Task<ulong> SubmitAsync(JoinQuery query, Hash32? measurement = null, params string[] datasets) =>
        Enterprise.Jobs.SubmitJoinAsync(
            [.. (datasets.Length == 0 ? ["tax", "social_security"] : datasets).Select(d => Licenses[d])],
            measurement ?? Runtime.Tee.Measurement,
            query.ToByteArray(),
            new Epsilon((long)query.EpsilonMicros));

    /// <summary>The enterprise's RunJoin request for <paramref name="jobId"/> (signed by <paramref name="requester"/>, the enterprise by default).</summary>
    public RunJoinRequest Request(ulong jobId, EthereumKey? requester = null)
    {
        var (signature, expiresAt) = JobAuthorization.Sign(requester ?? EnterpriseKey, Deployment.Jobs, Deployment.ChainId, jobId);
        return new RunJoinRequest { JobId = jobId, RequesterSignature = ByteString.CopyFrom(signature.ToBytes()), AuthorizationExpiresAt = expiresAt };
    }

    public async Task<EthereumKey> FundedAsync()
    {
        var key = Keep(EthereumKey.Generate());
        await Rpc.CallAsync("anvil_setBalance", [key.Address.ToLowerHex(), JsonRpcClient.ToQuantity(BigInteger.Pow(10, 21))]);
        return key;
    }

    private EthereumKey Keep(EthereumKey key)
    {
        keys.Add(key);
        return key;
    }

    public async Task DisposeAsync()
    {
        EnclaveChannel?.Dispose();
        foreach (var app in new[] { enclave, node })
        {
            if (app is not null)
            {
                await app.StopAsync();
                await app.DisposeAsync();
            }
        }

        Runtime?.Dispose();
        Rpc?.Dispose();
        if (chain is not null)
        {
            await chain.DisposeAsync();
        }

        foreach (var key in keys)
        {
            key.Dispose();
        }

        Directory.Delete(directory, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class JoinWorldCollection : ICollectionFixture<JoinWorldFixture>
{
    public const string Name = "join world";
}
