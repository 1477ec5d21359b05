using DataTrust.Core.Catalog;
using DataTrust.Ledger;
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
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Node.Tests.Execution;

/// <summary>
/// A real anvil with DataTrust deployed, an operator, two enterprises, and a real node on a loopback port serving the
/// tax sample (imported into a real DuckDB file), published in the catalog with the node's own commitment.
/// </summary>
public class ChainedNodeFixture : IAsyncLifetime
{
    public const string DatasetId = "tax";
    private LocalChain? _chain;
    private TestAccounts? _accounts;
    private WebApplication? _app;

    public JsonRpcClient Rpc { get; private set; } = null!;

    public DataTrustLedger Authority { get; private set; } = null!;

    public DataTrustLedger Operator { get; private set; } = null!;

    public DataTrustLedger Enterprise { get; private set; } = null!;

    public EthereumKey EnterpriseKey { get; private set; } = null!;

    public EthereumKey OtherEnterpriseKey { get; private set; } = null!;

    public Address NodeAccount { get; private set; }

    public TempDirectory Temp { get; } = new();

    public CapturingLoggerProvider Logs { get; } = new();

    public GrpcChannel Channel { get; private set; } = null!;

    public JobService.JobServiceClient Jobs { get; private set; } = null!;

    public NodeChain NodeChain => _app!.Services.GetService(typeof(NodeChain)) as NodeChain ?? throw new InvalidOperationException();

    public string DataDirectory => Temp.File("data");

    /// <summary>The options the node was started with (its cost limits are read per job, so a test may change them).</summary>
    public NodeOptions Options { get; private set; } = null!;

    /// <summary>The started node's services.</summary>
    public IServiceProvider Services => _app!.Services;

    /// <summary>Adjusts the node's options before it starts.</summary>
    protected virtual void Configure(NodeOptions options)
    {
    }

    public async Task InitializeAsync()
    {
        _chain = await LocalChain.StartAsync();
        Rpc = _chain.CreateClient();
        _accounts = new TestAccounts(Rpc);
        var authorityKey = Keep(EthereumKey.FromPrivateKeyHex(_chain.DevelopmentPrivateKeys[0]));
        Authority = await DataTrustLedger.DeployAsync(Rpc, authorityKey);

        var operatorKey = await FundedAsync();
        EnterpriseKey = await FundedAsync();
        OtherEnterpriseKey = await FundedAsync();
        var nodeKey = EthereumKey.Generate();
        NodeAccount = nodeKey.Address;
        await FundAsync(NodeAccount);
        await Authority.Participants.AdmitAsync(operatorKey.Address, Role.Operator, "Tax data operator");
        await Authority.Participants.AdmitNodeAsync(NodeAccount, "Tax node", "tax", "http://127.0.0.1", NodeAccount);
        await Authority.Participants.AdmitAsync(EnterpriseKey.Address, Role.Enterprise, "Bank", "91350100M000100Y43");
        await Authority.Participants.AdmitAsync(OtherEnterpriseKey.Address, Role.Enterprise, "Other bank", "91110000600037341L");
        Operator = await DataTrustLedger.ConnectAsync(Rpc, Authority.Deployment, operatorKey);
        Enterprise = await DataTrustLedger.ConnectAsync(Rpc, Authority.Deployment, EnterpriseKey);

        var csv = Temp.File("tax.csv");
        SampleDataset.Tax.WriteCsv(csv, 2000, seed: 7);
        DatasetDescriptor descriptor;
        DatasetDescriptor raised;
        using (var store = new DatasetStore(DataDirectory))
        {
            // The gate's behaviour is the point here, not the grade: the tax sample is published RESTRICTED, so exact
            // (ε = 0) jobs reach the node. SENSITIVE refusals are tested in the Ledger and attack suites.
            descriptor = store.Import(SampleDataset.Tax.ImportFrom(csv).AsRestricted());
            raised = store.Import(SampleDataset.Tax.ImportFrom(csv, RaisedDatasetId).AsRestricted());
        }

        await Operator.Catalog.PublishAsync(CatalogEntries.FromDescriptor(descriptor, NodeAccount, "Tax (sample)"));

        // The node holds this copy as RESTRICTED; the operator raised it to SENSITIVE on chain after publishing, with a
        // small cap: Explain must judge by the chain, as the gate does.
        await Operator.Catalog.PublishAsync(CatalogEntries.FromDescriptor(raised, NodeAccount, "Tax (raised on chain)") with { EpsilonCap = new Epsilon(1_000_000) });
        await Operator.Catalog.RaiseGradeAsync(DatasetIds.OnChainId(RaisedDatasetId), ProtectionGrade.Sensitive);
        await Operator.Catalog.PublishAsync(CatalogEntries.FromDescriptor(ImportSentinel(), NodeAccount, "Sentinel"));

        Options = new NodeOptions { DataDirectory = DataDirectory, ListenAddress = "127.0.0.1:0", TlsCertificate = TestTls.Loopback, PeerTrust = TestTls.Trust };
        Configure(Options);
        _app = NodeApp.Create(
            Options,
            logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace),
            new NodeChain(_chain.RpcUri, Authority.Deployment, nodeKey));
        await _app.StartAsync();
        // Over TLS, trusting only the test CA.
        Channel = TestTls.Trust.CreateChannel(NodeApp.BoundAddress(_app));
        Jobs = new JobService.JobServiceClient(Channel);
    }

    /// <summary>A copy of the tax sample that the node holds as RESTRICTED and the catalog grades SENSITIVE, with a cap of ε 1.0.</summary>
    public const string RaisedDatasetId = "tax_raised";

    /// <summary>Marks every raw value of the sentinel dataset; none may ever leave the node.</summary>
    public const string TextMarker = "SNTLCHAIN";

    /// <summary>Marks every raw number of the sentinel dataset.</summary>
    public const string NumberMarker = "8765432109";

    private DatasetDescriptor ImportSentinel()
    {
        var csv = new System.Text.StringBuilder("uscc,region,secret_code,note,amount\n");
        for (var i = 0; i < 60; i++)
        {
            csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"{TextMarker}U{i:000},R{i % 4},{NumberMarker}{i:00},{TextMarker}N{i},{100 + (i % 7)}.25\n");
        }

        var path = Temp.File("sentinel.csv");
        File.WriteAllText(path, csv.ToString());
        var schema = new DatasetSchema([
            new ColumnDefinition("uscc", Core.Catalog.ColumnType.Text),
            new ColumnDefinition("region", Core.Catalog.ColumnType.Text),
            new ColumnDefinition("secret_code", Core.Catalog.ColumnType.Int),
            new ColumnDefinition("note", Core.Catalog.ColumnType.Text),
            new ColumnDefinition("amount", Core.Catalog.ColumnType.Decimal),
        ]);
        var policy = new DatasetPolicy(5, new DominanceRule(1, 85), ProtectionGrade.Restricted, ComputationKindSet.Aggregate, [
            new ColumnPolicy("uscc", ColumnPermissions.JoinKey),
            new ColumnPolicy("region", ColumnPermissions.GroupBy, Domain: ["R0", "R1", "R2", "R3"]),
            new ColumnPolicy("secret_code", ColumnPermissions.Filter, GridStep: 1),
            new ColumnPolicy("amount", ColumnPermissions.Aggregate, 0, 1000),
        ])
        {
            EpsilonCap = new Epsilon(50_000_000),
        };
        using var store = new DatasetStore(DataDirectory);
        return store.Import(new DatasetImport("sentinel", path, ImportFormat.Csv, policy, schema));
    }

    public async Task<ulong> LicenseOnAsync(string datasetId)
    {
        var request = await Enterprise.Licenses.RequestAsync(DatasetIds.OnChainId(datasetId), "sentinel check");
        var now = (await Rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;
        return await Operator.Licenses.GrantAsync(request, ComputationKindSet.Aggregate, 50, DateTimeOffset.FromUnixTimeSeconds((long)now).AddDays(30), Epsilon.Parse("5.0"));
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Rpc.Dispose();
        await _chain!.DisposeAsync();
        _accounts?.Dispose();

        Temp.Dispose();
    }

    public EthereumKey Keep(EthereumKey key) => _accounts!.Keep(key);

    public Task<EthereumKey> FundedAsync() => _accounts!.FundedAsync();

    public Task FundAsync(Address address) => _accounts!.FundAsync(address);

    public async Task<ulong> LicenseAsync(uint quota = 10, string epsilon = "2.0", TimeSpan? validFor = null)
    {
        var request = await Enterprise.Licenses.RequestAsync(DatasetIds.OnChainId(DatasetId), "credit risk statistics");
        var now = (await Rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;
        var expires = DateTimeOffset.FromUnixTimeSeconds((long)now) + (validFor ?? TimeSpan.FromDays(90));
        return await Operator.Licenses.GrantAsync(request, ComputationKindSet.Aggregate, quota, expires, Epsilon.Parse(epsilon));
    }

    public static AggregateQuery TaxPaidByGrade(ulong? epsilonMicros = null)
    {
        var query = new AggregateQuery { DatasetId = DatasetId };
        query.GroupBy.Add("credit_grade");
        query.Measures.Add(new Measure { Function = MeasureFunction.Count });
        query.Measures.Add(new Measure { Function = MeasureFunction.Sum, Column = "tax_paid" });
        if (epsilonMicros is { } e)
        {
            query.EpsilonMicros = e;
        }

        return query;
    }

    public static byte[] SpecOf(AggregateQuery query) =>
        new JobSpec { Kind = Protos.V1.ComputationKind.Aggregate, Aggregate = query }.ToByteArray();

    public async Task<ulong> SubmitAsync(ulong licenseId, AggregateQuery query, string epsilon = "0") =>
        await Enterprise.Jobs.SubmitAsync(licenseId, ComputationKind.Aggregate, SpecOf(query), Epsilon.Parse(epsilon));

    public ExecuteRequest Request(ulong jobId, EthereumKey? signer = null, byte[]? spec = null, ulong? expiresAt = null)
    {
        var expiry = expiresAt ?? TestAuthorization.ExpiresAt;
        var signature = JobAuthorization.Sign(signer ?? EnterpriseKey, Authority.Deployment.Jobs, Authority.Deployment.ChainId, jobId, expiry);
        var request = new ExecuteRequest { JobId = IdBytes(jobId), RequesterSignature = ByteString.CopyFrom(signature.ToBytes()), AuthorizationExpiresAt = expiry };
        if (spec is not null)
        {
            request.Spec = ByteString.CopyFrom(spec);
        }

        return request;
    }

    public static ByteString IdBytes(ulong id)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, id);
        return ByteString.CopyFrom(bytes);
    }

    public async Task AdvanceTimeAsync(ulong seconds)
    {
        await Rpc.CallAsync("evm_increaseTime", [seconds]);
        await Rpc.CallAsync("evm_mine", []);
    }
}

[CollectionDefinition(Name)]
public sealed class ChainedNodeCollection : ICollectionFixture<ChainedNodeFixture>
{
    public const string Name = "chained node";
}
