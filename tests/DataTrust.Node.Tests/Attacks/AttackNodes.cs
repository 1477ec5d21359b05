using DataTrust.Core.Catalog;
using DataTrust.Ledger;
using DataTrust.Ledger.Contracts;
using DataTrust.Ledger.Crypto;
using DataTrust.Ledger.LocalChain;
using DataTrust.Ledger.Rpc;
using DataTrust.Ledger.Signing;
using DataTrust.Node.Execution;
using DataTrust.Node.Hosting;
using DataTrust.Node.Storage;
using DataTrust.Node.Tests.Execution;
using DataTrust.Protos.V1;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using RpcException = Grpc.Core.RpcException;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ComputationKind = DataTrust.Core.Catalog.ComputationKind;

namespace DataTrust.Node.Tests.Attacks;

/// <summary>An enterprise as the attack tests use it: its ledger binding (sends as it) and its key (signs its job requests).</summary>
public sealed record Licensee(string Name, DataTrustLedger Ledger, EthereumKey Key);

/// <summary>
/// The world the attack suite runs in: a real anvil with DataTrust deployed, an operator, two enterprises that may
/// collude, and one real domain node on a loopback port (Kestrel, HTTP/2, real DuckDB file). Each test publishes its
/// own datasets (so every test meets a fresh audit state and a fresh ε cap) into the running node's store and the
/// on-chain catalog, and asks its queries as jobs: submitted on chain, executed over gRPC, completed on chain.
/// </summary>
public sealed class AttackNodes : IAsyncLifetime
{
    private LocalChain? chain;
    private TestAccounts? accounts;
    private WebApplication? app;

    public JsonRpcClient Rpc { get; private set; } = null!;

    public DataTrustLedger Authority { get; private set; } = null!;

    public DataTrustLedger Operator { get; private set; } = null!;

    /// <summary>The first enterprise (a bank).</summary>
    public Licensee BankA { get; private set; } = null!;

    /// <summary>The second enterprise, which pools its answers and budget with <see cref="BankA"/>.</summary>
    public Licensee BankB { get; private set; } = null!;

    public Address NodeAccount { get; private set; }

    public TempDirectory Temp { get; } = new();

    public GrpcChannel Channel { get; private set; } = null!;

    public JobService.JobServiceClient Jobs { get; private set; } = null!;

    /// <summary>The running node's own store: datasets imported here are served at once.</summary>
    public DatasetStore Store => app!.Services.GetRequiredService<DatasetStore>();

    public async Task InitializeAsync()
    {
        chain = await LocalChain.StartAsync();
        Rpc = chain.CreateClient();
        accounts = new TestAccounts(Rpc);
        var authorityKey = accounts.Keep(EthereumKey.FromPrivateKeyHex(chain.DevelopmentPrivateKeys[0]));
        Authority = await DataTrustLedger.DeployAsync(Rpc, authorityKey);
        var operatorKey = await accounts.FundedAsync();
        var bankA = await accounts.FundedAsync();
        var bankB = await accounts.FundedAsync();
        await Authority.Participants.AdmitAsync(operatorKey.Address, Role.Operator, "Data operator");
        await Authority.Participants.AdmitAsync(bankA.Address, Role.Enterprise, "Bank A", "91350100M000100Y43");
        await Authority.Participants.AdmitAsync(bankB.Address, Role.Enterprise, "Bank B", "91110000600037341L");
        Operator = await DataTrustLedger.ConnectAsync(Rpc, Authority.Deployment, operatorKey);
        BankA = new Licensee("Bank A", await DataTrustLedger.ConnectAsync(Rpc, Authority.Deployment, bankA), bankA);
        BankB = new Licensee("Bank B", await DataTrustLedger.ConnectAsync(Rpc, Authority.Deployment, bankB), bankB);

        var nodeKey = EthereumKey.Generate();
        NodeAccount = nodeKey.Address;
        await accounts.FundAsync(NodeAccount);
        app = NodeApp.Create(
            new NodeOptions { DataDirectory = Temp.File("node"), ListenAddress = "127.0.0.1:0" },
            chain: new NodeChain(chain.RpcUri, Authority.Deployment, nodeKey));
        await app.StartAsync();
        var endpoint = NodeApp.BoundAddress(app);
        await Authority.Participants.AdmitNodeAsync(NodeAccount, "Attack suite node", "attacks", endpoint.ToString(), NodeAccount);
        Channel = GrpcChannel.ForAddress(endpoint, new GrpcChannelOptions { MaxReceiveMessageSize = 64 << 20 });
        Jobs = new JobService.JobServiceClient(Channel);
    }

    public async Task DisposeAsync()
    {
        Channel?.Dispose();
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        Rpc?.Dispose();
        if (chain is not null)
        {
            await chain.DisposeAsync();
        }

        accounts?.Dispose();
        Temp.Dispose();
    }

    /// <summary>Imports <paramref name="table"/> into the node as <paramref name="id"/> and publishes it in the catalog.</summary>
    public Task<DatasetDescriptor> PublishAsync(string id, Table table) => PublishAsync(id, table.Schema, table.Policy, table.Csv());

    /// <summary>Imports a CSV text with its schema and policy into the node as <paramref name="id"/> and publishes it.</summary>
    public async Task<DatasetDescriptor> PublishAsync(string id, DatasetSchema schema, DatasetPolicy policy, string csv)
    {
        var path = Temp.File(id + ".csv");
        File.WriteAllText(path, csv);
        var descriptor = Store.Import(new DatasetImport(id, path, ImportFormat.Csv, policy, schema));
        await Operator.Catalog.PublishAsync(CatalogEntries.FromDescriptor(descriptor, NodeAccount, id));
        return descriptor;
    }

    /// <summary>A license granted to <paramref name="who"/> on a dataset: a large quota, 90 days, the ε budget given.</summary>
    public async Task<ulong> LicenseAsync(Licensee who, string datasetId, string epsilon = "0", ComputationKindSet kinds = ComputationKindSet.Aggregate, uint quota = 10_000)
    {
        var request = await who.Ledger.Licenses.RequestAsync(DatasetIds.OnChainId(datasetId), "small-business credit risk statistics");
        var now = (await Rpc.GetBlockAsync(BlockTag.Latest))!.Timestamp;
        return await Operator.Licenses.GrantAsync(request, kinds, quota, DateTimeOffset.FromUnixTimeSeconds((long)now).AddDays(90), Epsilon.Parse(epsilon));
    }

    /// <summary>Submits <paramref name="query"/> on chain under the license, spending <paramref name="epsilon"/>, and runs it on the node over gRPC.</summary>
    /// <exception cref="ContractRevertedException">The ledger refused the submission (decoded custom error).</exception>
    /// <exception cref="RpcException">The node refused the job.</exception>
    public async Task<AggregateResult> RunAsync(Licensee who, ulong license, AggregateQuery query, string epsilon = "0")
    {
        var jobId = await who.Ledger.Jobs.SubmitAsync(license, ComputationKind.Aggregate, SpecOf(query), Epsilon.Parse(epsilon));
        var response = await Jobs.ExecuteAsync(Request(who, jobId));
        return JobResult.Parser.ParseFrom(response.Result).Aggregate;
    }

    /// <summary>Runs <paramref name="query"/> on an OPEN dataset as an open job (no license), as anyone may.</summary>
    public async Task<AggregateResult> RunOpenAsync(AggregateQuery query)
    {
        var jobId = await BankA.Ledger.Jobs.SubmitOpenAsync(DatasetIds.OnChainId(query.DatasetId), ComputationKind.Aggregate, SpecOf(query));
        var response = await Jobs.ExecuteAsync(Request(BankA, jobId));
        return JobResult.Parser.ParseFrom(response.Result).Aggregate;
    }

    /// <summary>Submits a job whose spec travels off chain (HE payloads) and streams it to the node.</summary>
    public async Task<JobResult> StreamAsync(Licensee who, ulong license, ComputationKind kind, JobSpec spec, string epsilon = "0", IEnumerable<PeerJob>? peers = null)
    {
        var jobId = await SubmitHashedAsync(who, license, kind, spec, epsilon);
        return await StreamJobAsync(who, jobId, spec, peers);
    }

    /// <summary>Commits a spec by hash and size and returns the job id.</summary>
    public Task<ulong> SubmitHashedAsync(Licensee who, ulong license, ComputationKind kind, JobSpec spec, string epsilon = "0")
    {
        var bytes = spec.ToByteArray();
        return who.Ledger.Jobs.SubmitHashedAsync(license, kind, Keccak256.Compute(bytes), (ulong)bytes.Length, Epsilon.Parse(epsilon));
    }

    /// <summary>Streams the spec of a submitted job to the node and parses its result.</summary>
    public async Task<JobResult> StreamJobAsync(Licensee who, ulong jobId, JobSpec spec, IEnumerable<PeerJob>? peers = null)
    {
        using var call = Jobs.ExecuteStream();
        await JobStreams.WriteAsync(call.RequestStream, JobStreams.Split(jobId, Signature(who, jobId).Span, TestAuthorization.ExpiresAt, spec.ToByteArray(), peers), CancellationToken.None);
        var response = await call.ResponseAsync;
        return JobResult.Parser.ParseFrom(response.Result);
    }

    /// <summary>The requester's signature over a job id, as the node checks it.</summary>
    public ByteString Signature(Licensee who, ulong jobId) =>
        ByteString.CopyFrom(JobAuthorization.Sign(who.Key, Authority.Deployment.Jobs, Authority.Deployment.ChainId, jobId, TestAuthorization.ExpiresAt).ToBytes());

    /// <summary>Asks the node, over gRPC, whether a query would pass its policy checks (reads no rows).</summary>
    public async Task<ExplainResponse> ExplainAsync(AggregateQuery query) =>
        await Jobs.ExplainAsync(new ExplainRequest { Query = query });

    /// <summary>The machine-readable reason of a node refusal.</summary>
    public static string ReasonOf(RpcException error) =>
        error.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? "(no ErrorInfo)";

    /// <summary>The ε spent so far on a dataset, all licenses together, as the ledger counts it.</summary>
    public Task<Epsilon> SpentAsync(string datasetId) => Authority.Licenses.GetDatasetEpsilonSpentAsync(DatasetIds.OnChainId(datasetId));

    private ExecuteRequest Request(Licensee who, ulong jobId) => new()
    {
        JobId = JobStreams.IdBytes(jobId),
        RequesterSignature = Signature(who, jobId),
        AuthorizationExpiresAt = TestAuthorization.ExpiresAt,
    };

    private static byte[] SpecOf(AggregateQuery query) =>
        new JobSpec { Kind = Protos.V1.ComputationKind.Aggregate, Aggregate = query }.ToByteArray();
}

[CollectionDefinition(Name)]
public sealed class AttackNodesCollection : ICollectionFixture<AttackNodes>
{
    public const string Name = "attack nodes";
}
