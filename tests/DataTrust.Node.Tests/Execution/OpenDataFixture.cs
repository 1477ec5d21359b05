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
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using ColumnType = DataTrust.Core.Catalog.ColumnType;

namespace DataTrust.Node.Tests.Execution;

/// <summary>
/// A real anvil with DataTrust deployed and a real node (real DuckDB, loopback socket, chain configured) holding OPEN,
/// RESTRICTED and SENSITIVE datasets, published in the catalog in every way a download must be judged: OPEN as imported,
/// OPEN locally but raised on chain, RESTRICTED locally but published OPEN, published with another commitment, unpublished.
/// </summary>
public sealed class OpenDataFixture : IAsyncLifetime
{
    /// <summary>The OPEN market register: large enough to take more than one 1 MiB chunk.</summary>
    public const string Register = "market_register";

    /// <summary>Rows of the OPEN market register.</summary>
    public const int RegisterRows = 25_000;

    /// <summary>An OPEN dataset with every type, NULLs, and texts holding commas, quotes and line breaks.</summary>
    public const string Values = "open_values";

    /// <summary>OPEN locally, never published.</summary>
    public const string Unpublished = "open_unpublished";

    /// <summary>OPEN locally, published OPEN, then raised to RESTRICTED on chain.</summary>
    public const string Raised = "open_raised";

    /// <summary>OPEN locally, published OPEN with a commitment that is not the node's.</summary>
    public const string Mismatched = "open_mismatched";

    /// <summary>RESTRICTED locally (with marked values), published OPEN on chain: the node's own grade must win.</summary>
    public const string RestrictedMarked = "restricted_marked";

    /// <summary>The RESTRICTED social-security sample, RESTRICTED on chain too.</summary>
    public const string Restricted = "social_security";

    /// <summary>The SENSITIVE tax sample, SENSITIVE on chain too.</summary>
    public const string Sensitive = "tax";

    /// <summary>Marks every raw text of the marked RESTRICTED dataset; none may ever leave the node.</summary>
    public const string Marker = "OPNSNTL";

    private LocalChain? _chain;
    private TestAccounts? _accounts;
    private WebApplication? _app;

    public JsonRpcClient Rpc { get; private set; } = null!;

    public DataTrustLedger Authority { get; private set; } = null!;

    public DataTrustLedger Operator { get; private set; } = null!;

    /// <summary>An admitted enterprise that holds no license at all.</summary>
    public DataTrustLedger Enterprise { get; private set; } = null!;

    public EthereumKey EnterpriseKey { get; private set; } = null!;

    public Address NodeAccount { get; private set; }

    public TempDirectory Temp { get; } = new();

    public CapturingLoggerProvider Logs { get; } = new();

    public GrpcChannel Channel { get; private set; } = null!;

    public CatalogService.CatalogServiceClient Catalog { get; private set; } = null!;

    public JobService.JobServiceClient Jobs { get; private set; } = null!;

    /// <summary>The CSV each dataset was imported from.</summary>
    public Dictionary<string, string> SourceCsv { get; } = new(StringComparer.Ordinal);

    /// <summary>The schema of each dataset.</summary>
    public Dictionary<string, DatasetSchema> Schemas { get; } = new(StringComparer.Ordinal);

    public string DataDirectory => Temp.File("data");

    public async Task InitializeAsync()
    {
        _chain = await LocalChain.StartAsync();
        Rpc = _chain.CreateClient();
        _accounts = new TestAccounts(Rpc);
        var authorityKey = _accounts.Keep(EthereumKey.FromPrivateKeyHex(_chain.DevelopmentPrivateKeys[0]));
        Authority = await DataTrustLedger.DeployAsync(Rpc, authorityKey);
        var operatorKey = await _accounts.FundedAsync();
        EnterpriseKey = await _accounts.FundedAsync();
        var nodeKey = EthereumKey.Generate();
        NodeAccount = nodeKey.Address;
        await _accounts.FundAsync(NodeAccount);
        await Authority.Participants.AdmitAsync(operatorKey.Address, Role.Operator, "Market regulation data operator");
        await Authority.Participants.AdmitNodeAsync(NodeAccount, "Market node", "market", "http://127.0.0.1", NodeAccount);
        await Authority.Participants.AdmitAsync(EnterpriseKey.Address, Role.Enterprise, "Bank", "91350100M000100Y43");
        Operator = await DataTrustLedger.ConnectAsync(Rpc, Authority.Deployment, operatorKey);
        Enterprise = await DataTrustLedger.ConnectAsync(Rpc, Authority.Deployment, EnterpriseKey);

        var imported = new Dictionary<string, DatasetDescriptor>(StringComparer.Ordinal);
        using (var store = new DatasetStore(DataDirectory))
        {
            imported[Register] = ImportSample(store, SampleDataset.MarketRegister, Register, RegisterRows);
            imported[Restricted] = ImportSample(store, SampleDataset.SocialSecurity, Restricted, 300);
            imported[Sensitive] = ImportSample(store, SampleDataset.Tax, Sensitive, 300);
            imported[Values] = ImportValues(store, Values, ProtectionGrade.Open);
            foreach (var id in new[] { Unpublished, Raised, Mismatched })
            {
                imported[id] = ImportValues(store, id, ProtectionGrade.Open);
            }

            imported[RestrictedMarked] = ImportValues(store, RestrictedMarked, ProtectionGrade.Restricted);
        }

        foreach (var id in new[] { Register, Restricted, Sensitive, Values, Raised })
        {
            await Operator.Catalog.PublishAsync(CatalogEntries.FromDescriptor(imported[id], NodeAccount));
        }

        await Operator.Catalog.RaiseGradeAsync(DatasetIds.OnChainId(Raised), ProtectionGrade.Restricted);
        await Operator.Catalog.PublishAsync(CatalogEntries.FromDescriptor(imported[Mismatched], NodeAccount) with { SnapshotCommitment = imported[Register].SnapshotCommitment });
        await Operator.Catalog.PublishAsync(CatalogEntries.FromDescriptor(imported[RestrictedMarked], NodeAccount) with { Grade = ProtectionGrade.Open });

        _app = NodeApp.Create(
            new NodeOptions { DataDirectory = DataDirectory, ListenAddress = "127.0.0.1:0" },
            logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace),
            new NodeChain(_chain.RpcUri, Authority.Deployment, nodeKey));
        await _app.StartAsync();
        Channel = GrpcChannel.ForAddress(NodeApp.BoundAddress(_app));
        Catalog = new CatalogService.CatalogServiceClient(Channel);
        Jobs = new JobService.JobServiceClient(Channel);
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

    /// <summary>An on-chain id as the node reads it (big-endian bytes).</summary>
    public static Google.Protobuf.ByteString IdBytes(ulong id)
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, id);
        return Google.Protobuf.ByteString.CopyFrom(bytes);
    }

    /// <summary>A new funded key with no role on chain.</summary>
    public Task<EthereumKey> StrangerAsync() => _accounts!.FundedAsync();

    private DatasetDescriptor ImportSample(DatasetStore store, SampleDataset sample, string id, int rows)
    {
        var csv = Temp.File(id + ".csv");
        sample.WriteCsv(csv, rows, seed: 11);
        SourceCsv[id] = csv;
        Schemas[id] = sample.Schema;
        return store.Import(sample.ImportFrom(csv, id));
    }

    private DatasetDescriptor ImportValues(DatasetStore store, string id, ProtectionGrade grade)
    {
        var text = grade == ProtectionGrade.Open ? "open" : Marker;
        var csv = new System.Text.StringBuilder("name,district,count,amount,day,flag\n");
        csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"\"{text} plain\",D1,1,12.5,2024-02-29,true\n");
        csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"\"{text}, with a comma\",D2,-7,-0.0001,1970-01-01,false\n");
        csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"\"{text} says \"\"hi\"\"\",D1,,,,\n");
        csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"\"{text} on\ntwo lines\",D2,9223372036854775807,99999999999999.9999,9999-12-31,true\n");
        csv.Append(System.Globalization.CultureInfo.InvariantCulture, $"\"税务 {text}\",D1,0,0,2000-06-15,\n");
        csv.Append(",D2,42,3,2023-11-01,false\n");
        var path = Temp.File(id + ".csv");
        File.WriteAllText(path, csv.ToString());
        var schema = new DatasetSchema([
            new ColumnDefinition("name", ColumnType.Text),
            new ColumnDefinition("district", ColumnType.Text),
            new ColumnDefinition("count", ColumnType.Int),
            new ColumnDefinition("amount", ColumnType.Decimal),
            new ColumnDefinition("day", ColumnType.Date),
            new ColumnDefinition("flag", ColumnType.Bool),
        ]);
        var policy = new DatasetPolicy(1, DominanceRule.Disabled, grade, ComputationKindSet.Aggregate, [
            new ColumnPolicy("name", ColumnPermissions.JoinKey),
            new ColumnPolicy("district", ColumnPermissions.GroupBy, Domain: ["D1", "D2"]),
            new ColumnPolicy("count", ColumnPermissions.Aggregate, 0, 1000),
            new ColumnPolicy("amount", ColumnPermissions.Aggregate, 0, 1000),
            new ColumnPolicy("day", ColumnPermissions.None),
            new ColumnPolicy("flag", ColumnPermissions.None),
        ]);
        SourceCsv[id] = path;
        Schemas[id] = schema;
        return store.Import(new DatasetImport(id, path, ImportFormat.Csv, policy, schema));
    }
}

[CollectionDefinition(Name)]
public sealed class OpenDataCollection : ICollectionFixture<OpenDataFixture>
{
    public const string Name = "open data node";
}
